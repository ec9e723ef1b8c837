"""The root command: the typer app every command group registers on, the run's console and the one way a
command fails (one line naming the option, exit code 2)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from ..errors import ConfigError

_OPTION_OF_FIELD = {"activations": "activation"}  # where a core field's name differs from the CLI option's


class _Commands(TyperGroup):
    """The safety net under every command: a core error that escaped it becomes one line naming the option and
    what is allowed, with exit code 2, instead of a traceback. The commands that read exercises also take
    --exercises-dir after their name (see _add_exercises_dir)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in EXERCISE_COMMANDS:
            if name in self.commands:
                _add_exercises_dir(self.commands[name])

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            fail(exc)
        except sqlite3.Error as exc:
            fail(f"--db: the progress database cannot be used ({exc}); give the path of a file in a folder you "
                  "can write, such as progress.sqlite3")
        except OSError as exc:
            fail(f"{exc.filename or 'a file'}: {exc.strerror or 'cannot be used'}")


app = typer.Typer(help="actlab: the activation-functions lab.", no_args_is_help=True, add_completion=False,
                  cls=_Commands)


class _LazyConsole:
    """One rich Console per command run, made when the run starts (so it reads that run's terminal)."""

    def __init__(self) -> None:
        self._console: Console | None = None

    def reset(self) -> None:
        self._console = None

    @property
    def real(self) -> Console:
        if self._console is None:
            self._console = Console()
        return self._console

    def __getattr__(self, attr):
        return getattr(self.real, attr)


console = _LazyConsole()


# the environment variables the command line reads (the core reads none: it takes parameters)
ENV_EXERCISES_DIR = "ACTLAB_EXERCISES_DIR"
EXERCISES_DIR_HELP = "A folder of teacher-written exercises (JSON files), served after the built-in ones"
# the commands (and groups: each of their commands) that read the exercises, so take --exercises-dir after their
# name as well as before it: actlab exercise list --exercises-dir DIR == actlab --exercises-dir DIR exercise list
EXERCISE_COMMANDS = ("exercise", "progress", "class", "lab")


def _use_exercises_dir(exercises_dir: Path | None) -> None:
    if exercises_dir is not None or "actlab.exercises" in sys.modules:  # no import when no command needs it
        from ..exercises import use_folder

        use_folder(exercises_dir)


@app.callback()
def _start(exercises_dir: Annotated[Path | None, typer.Option(
        "--exercises-dir", envvar=ENV_EXERCISES_DIR, show_envvar=True,
        help=f"{EXERCISES_DIR_HELP}; may also follow the command (actlab exercise list --exercises-dir DIR)")]
        = None) -> None:
    console.reset()
    _use_exercises_dir(exercises_dir)


def _after_command(value: Path | None) -> None:
    """A command's own --exercises-dir: given, it replaces the one before the command (or the variable's)."""
    if value is not None:
        _use_exercises_dir(value)


def _exercises_dir_param():
    """The --exercises-dir option a command takes after its name, read before the command runs and not passed to
    its function; typer makes it (from a function of one option) so that it is the same kind as every other."""
    carrier = typer.Typer()

    @carrier.command()
    def _one(exercises_dir: Annotated[Path | None, typer.Option(
            "--exercises-dir", metavar="DIR", expose_value=False, callback=_after_command,
            help=f"{EXERCISES_DIR_HELP} (the same as actlab --exercises-dir DIR before the command)")] = None) -> None:
        pass

    return next(p for p in typer.main.get_command(carrier).params if p.name == "exercises_dir")


def _add_exercises_dir(command) -> None:
    """Give ``command`` (every command of it, for a group) its own --exercises-dir option."""
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:  # a group
        for sub in subcommands.values():
            _add_exercises_dir(sub)
    elif not any(p.name == "exercises_dir" for p in command.params):
        command.params.append(_exercises_dir_param())


def fail(message: str | ConfigError) -> None:
    """One line on stderr, exit code 2. A core error names its field as the CLI option (batch_size -> --batch-size)."""
    if isinstance(message, ConfigError):
        head, _, rest = message.field.partition(":")
        option = f"--{_OPTION_OF_FIELD.get(head, head).replace('_', '-')}" if head.isidentifier() else head
        message = f"{option}{':' + rest if rest else ''}: {message.message}"
    # stderr, always: stdout carries a command's results alone (with --json, JSON alone)
    Console(stderr=True).print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(2)


DB_HELP = "Progress database: a file path or a postgresql:// URL (default: $ACTLAB_DB or the data dir)"


def open_store(db: str | None):
    """The store at ``db`` (or the default location, web.settings.store_location); a bad one fails as --db."""
    from ..store import Store
    from ..web.settings import store_location

    try:
        return Store(store_location(db))
    except (ConfigError, OSError) as exc:
        fail(f"db: {exc}")

