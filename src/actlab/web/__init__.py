"""The web lab: FastAPI app (app.py), one router per area (routes/), and the static front end."""
