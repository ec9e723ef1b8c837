"""`actlab exercise ...` and `actlab progress`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .._json import dumps
from ..errors import ConfigError
from ..exercises.status import VerdictStatus, rank
from ._app import DB_HELP, app, console, fail, open_store

# a verdict's colour, by status (the order and rank live in exercises/status.py)
STATUS_COLOURS = {VerdictStatus.NOT_ATTEMPTED: "dim", VerdictStatus.UNREADABLE: "blue", VerdictStatus.INCORRECT: "red",
                  VerdictStatus.PARTLY_CORRECT: "yellow", VerdictStatus.CORRECT: "green"}



exercise_app = typer.Typer(help="The lesson's exercises, checked with feedback.", no_args_is_help=True)
app.add_typer(exercise_app, name="exercise")


def _close_names(store, class_id: int, learner: str) -> list[str]:
    """The class's learners whose names are near the one typed (a typo, a dropped letter), closest first."""
    import difflib

    from ..store import fold_name

    names = {fold_name(r.name): r.name for r in store.learners(class_id)}
    return [names[k] for k in difflib.get_close_matches(fold_name(learner), list(names), n=3, cutoff=0.6)]


def _not_in_class(store, found, learner: str) -> str:
    """Why --learner is refused without --join: the name is nobody's in the class; the close names, if any."""
    close = _close_names(store, found.id, learner)
    if close:
        guess = " or ".join(repr(n) for n in close)
        return (f"no learner {learner!r} in {found.name}; did you mean {guess}? To add {learner!r} to the class as a "
                "new learner, add --join")
    names = [r.name for r in store.learners(found.id)]
    if len(names) <= 20:
        known = f"its learners: {', '.join(names)}" if names else "nobody has joined it yet"
    else:
        known = f"none of its {len(names)} learners has a name close to it ('actlab progress --class' lists them)"
    return (f"no learner {learner!r} in {found.name}; {known}. To add {learner!r} to the class as a new learner, "
            "add --join")


def _class_member(store, klass: str, learner: str, join: bool) -> tuple[int, str]:
    """The class's id and the learner's name in it: a name that joined already is matched as the join form
    matches it, ignoring case (--learner ana records under the "Ana" who joined in the browser). A learner new to
    the class joins it only with ``join`` (--join), and their rejoin code goes to stderr; without it, the close
    names are offered (a typo made a new learner before)."""
    try:
        found = store.get_class(klass)
        member = store.learner(found.id, learner)
        if member is None and not join and not found.archived:  # an archived class says so (Store.join)
            fail(_not_in_class(store, found, learner))
        if member is None:
            member, code = store.join(found.id, learner)
            typer.echo(f"{member.name} joined {found.name}; rejoin code for the browser: {code}", err=True)
    except ConfigError as exc:
        fail(str(exc))
    return found.id, member.name


@exercise_app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every exercise with its section."""
    from ..exercises import all_exercises

    exercises = all_exercises()
    if json_out:
        typer.echo(json.dumps([e.describe() for e in exercises]))
        return
    table = Table(title="exercises")
    for col in ("key", "title", "section", "parts"):
        table.add_column(col)
    for e in exercises:
        table.add_row(e.key, e.title, e.section, str(len(e.parts)))
    console.print(table)


@exercise_app.command("show")
def show(key: Annotated[str, typer.Argument(help="ex2 or 2")],
         json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The prompt and the parts to answer."""
    from ..exercises import get_exercise

    try:
        ex = get_exercise(key)
    except ValueError as exc:
        fail(str(exc))
    if json_out:
        typer.echo(json.dumps(ex.describe()))
        return
    console.print(f"[bold]{ex.title}[/bold]\n{ex.prompt}")
    for i, p in enumerate(ex.describe()["parts"], 1):
        console.print(f"  part {i}: {p['prompt']}")
    console.print(f"Answer with: actlab exercise check {ex.key} " + " ".join(
        '--answer "..."' for _ in ex.parts))


@exercise_app.command("check")
def check(
    key: Annotated[str, typer.Argument(help="ex2 or 2")],
    answer: Annotated[list[str] | None, typer.Option("--answer", "-a", help="One per part, in order")] = None,
    hint: Annotated[int | None, typer.Option("--hint", help="Show hint K (1, 2, ...)")] = None,
    solution: Annotated[bool, typer.Option("--solution", help="Show the worked solution")] = False,
    learner: Annotated[str | None, typer.Option(help="Save the attempt under this name")] = None,
    klass: Annotated[str | None, typer.Option("--class", help="Save it in this class (its join code or name)")]
    = None,
    attempt_id: Annotated[str | None, typer.Option(help="An id for this attempt: sent again, it is saved once")]
    = None,
    join: Annotated[bool, typer.Option("--join", help="With --class: add --learner to the class when nobody has "
                                                      "that name there (without it, such a name is refused)")] = False,
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Check an answer (several --answer for several parts), or ask for a hint or the solution."""
    from ..exercises import get_exercise
    from ..exercises.service import check_and_record, hint_and_record, solution_and_record

    try:
        ex = get_exercise(key)
    except ValueError as exc:
        fail(str(exc))
    if klass and not learner:
        fail("--class needs --learner: whose attempt it is")
    store = open_store(db) if learner else None
    class_id = None
    if klass:
        class_id, learner = _class_member(store, klass, learner, join)
    try:
        if hint is not None:
            if not 1 <= hint <= len(ex.hints):  # the core repeats the last hint for the web's "next hint" button
                fail(f"--hint: a hint level from 1 to {len(ex.hints)} (exercise {ex.key} has {len(ex.hints)} "
                     f"hints); got {hint}")
            text = hint_and_record(store, learner, ex.key, hint, class_id=class_id)
            typer.echo(json.dumps({"hint": hint, "text": text}) if json_out else f"Hint {hint}: {text}")
            return
        if solution:
            text = solution_and_record(store, learner, ex.key, class_id=class_id)
            typer.echo(json.dumps({"solution": text}) if json_out else text)
            return
        verdict = check_and_record(store, learner, ex.key, list(answer or []), class_id=class_id,
                                   attempt_id=attempt_id)
    except (ValueError, ConfigError) as exc:
        fail(str(exc))
    if json_out:
        typer.echo(dumps(verdict.to_dict()))
        return
    colour = STATUS_COLOURS[verdict.status]
    console.print(f"[{colour}]{verdict.status.words}[/{colour}]: {escape(verdict.feedback)}")
    if len(verdict.parts) > 1:
        for p in verdict.parts:
            console.print(f"  {escape(p.label)}: [{STATUS_COLOURS[p.status]}]{p.status.words}[/] — "
                          f"{escape(p.feedback)}")
    for p in verdict.parts:  # which key points are covered; the others only as a count (hints name them)
        if p.kind == "rubric" and p.status != VerdictStatus.UNREADABLE:  # an unread answer covered nothing
            console.print("  covered: " + ("; ".join(p.covered) or "none yet"))
            if p.remaining:
                console.print(f"  {p.remaining} more key point{'s' if p.remaining != 1 else ''} to find "
                              f"(actlab exercise check {ex.key} --hint 1)")


@exercise_app.command("regrade")
def regrade(
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every attempt, not only older checkers' ones")] = False,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-grade saved attempts with today's checker and save the new verdicts."""
    from ..exercises import CHECKER_VERSION

    try:
        changed = open_store(db).regrade(everything=everything)
    except ConfigError as exc:
        fail(str(exc))
    if json_out:
        typer.echo(json.dumps({"checker_version": CHECKER_VERSION, "changed": [c.__dict__ for c in changed]}))
        return
    console.print(f"Re-graded with checker version {CHECKER_VERSION}: {len(changed)} verdict"
                  f"{'' if len(changed) == 1 else 's'} changed.")
    if changed:
        table = Table()
        for col in ("attempt", "learner", "exercise", "was", "now"):
            table.add_column(col)
        for c in changed:
            table.add_row(str(c.id), c.learner, c.exercise, c.old_status, c.new_status)
        console.print(table)


@app.command()
def progress(
    learner: Annotated[str | None, typer.Option(help="Whose progress")] = None,
    class_name: Annotated[str | None, typer.Option(
        "--class", help="A class's name or code: one row per learner, as the teacher's page shows it")] = None,
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A learner's table per exercise: tries (unreadable answers and answers after solving apart), best verdict,
    hints seen (with --class, the class's)."""
    store = open_store(db)
    if class_name is not None:
        from .classroom import class_progress

        return class_progress(store, class_name, learner, json_out, console, fail)
    if learner is None:
        fail("--learner NAME is needed (or --class NAME for a class's table of learners)")
    try:
        rows = store.progress(learner)
    except ConfigError as exc:
        fail(str(exc))
    if json_out:
        typer.echo(dumps([{**r.__dict__, "best_rank": rank(r.best_status)} for r in rows]))
        return
    table = Table(title=f"progress of {learner}",
                  caption="tries: graded answers up to the first right one; unreadable answers and answers sent "
                          "after solving are counted apart")
    for col in ("exercise", "tries", "unreadable", "after solving", "best", "last", "hints", "solution seen"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.exercise, str(r.attempts), str(r.unreadable), str(r.after_solving), r.best_status,
                      r.last_status, str(r.hints_seen), "yes" if r.solution_seen else "no")
    console.print(table)


