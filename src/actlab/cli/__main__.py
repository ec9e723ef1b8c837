"""`python -m actlab.cli`: the same commands as `actlab`."""

from . import app

app(prog_name="actlab")
