"""Bridges to other frameworks, each imported only by whoever asks for it (the core never imports them)."""
