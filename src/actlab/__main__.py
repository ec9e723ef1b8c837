"""`python -m actlab`: the same commands as `actlab` (the command line is a face, imported only when run)."""

if __name__ == "__main__":
    from actlab.cli import app

    app(prog_name="actlab")
