"""`actlab class ...`: create a class, export its results, forget a learner, give a learner a new rejoin code,
rotate the teacher token, move a store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.measure import Measurement
from rich.table import Table

from ..errors import ConfigError
from ._app import DB_HELP, app, console, fail, open_store

class_app = typer.Typer(help="Classes: join codes, teacher tokens, exports.", no_args_is_help=True)
app.add_typer(class_app, name="class")


def _json(value, indent: int | None = None) -> str:
    """JSON for stdout or a file, names and answers as typed ("Jürgen", not "J\\u00fcrgen"): classroom.export_json."""
    from ..classroom import export_json

    return export_json(value, indent=indent)


def _find(store, name: str):
    try:
        return store.get_class(name)
    except ConfigError as exc:
        fail(str(exc))



def _changeable(store, name: str):
    """The class, if it may be changed: an archived class is refused with the store's words (Store.check_changeable),
    before any question is asked."""
    klass = _find(store, name)
    try:
        store.check_changeable(klass.id)
    except ConfigError as exc:
        fail(str(exc))
    return klass


def _declined(what_stays: str) -> NoReturn:
    """The teacher answered no at a confirmation: say that nothing changed (it printed nothing, which left them
    unsure), and exit 1 as before, so a script sees the command did not do its work."""
    console.print(what_stays, markup=False, highlight=False)
    raise typer.Exit(1)


def _count(n: int, thing: str) -> str:
    """'1 attempt', '3 attempts', 'no attempts': a count a person reads."""
    if n == 0:
        return f"no {thing}s"
    return f"{n:,} {thing}" if n == 1 else f"{n:,} {thing}s"

@class_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The class's name, e.g. 'physics 2a'")],
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a class: its join code for learners and its teacher token, shown this once."""
    store = open_store(db)
    try:
        klass, token = store.create_class(name)
    except ConfigError as exc:
        fail(str(exc))
    if json_out:
        typer.echo(_json({"name": klass.name, "code": klass.code, "teacher_token": token}))
        return
    console.print(f"class [bold]{klass.name}[/bold] in {store!r}")
    console.print(f"  join code for learners: [bold]{klass.code}[/bold]")
    console.print(f"  teacher token: [bold]{token}[/bold]")
    console.print("  The token is shown only now (the store keeps a hash of it): keep it; "
                  "`actlab class token NAME --rotate` makes a new one.")


@class_app.command("list")
def list_(db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
          json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every class in the store, with its code and number of learners."""
    store = open_store(db)
    rows = [{"name": c.name, "code": c.code, "learners": len(store.learners(c.id)), "archived": c.archived,
             "look_alikes": [[a.name, b.name] for a, b in store.name_collisions(c.id)]}
            for c in store.classes()]
    if json_out:
        typer.echo(_json(rows))
        return
    table = Table(title="classes")
    for col in ("name", "code", "learners", "archived"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["code"], str(r["learners"]), "yes" if r["archived"] else "")
    console.print(table)
    for line in look_alike_lines(store):
        console.print(line)


def look_alike_lines(store) -> list[str]:
    """A line per pair of learners whose names look the same (joined before such names were refused), saying how to
    tell them apart; `class list` and `actlab lab` print them."""
    classes = {c.id: c.name for c in store.classes()}
    return [f"[yellow]look-alike names[/yellow] in {classes[a.class_id]}: {a.name!r} and {b.name!r} look the same "
            f"(they joined before such names were refused); rename one (actlab class rename {classes[a.class_id]!r} "
            f"{b.name!r} NEW) or, if they are one person, merge them (actlab class merge)"
            for a, b in store.name_collisions()]


@class_app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    log: Annotated[bool, typer.Option("--log", help="The raw attempt log instead of one row per learner")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")] = None,
) -> None:
    """One row per learner and one column per exercise (with hints and solution flags), or the attempt log."""
    from ..classroom import attempt_log, export_table, log_csv, to_csv

    if fmt not in ("csv", "json"):
        fail(f"--format must be csv or json; got {fmt!r}")
    store = open_store(db)
    klass = _find(store, name)
    if log:
        rows = attempt_log(store, klass.id)
        text = log_csv(rows) if fmt == "csv" else _json(rows, indent=1)
    else:
        header, body = export_table(store, klass.id, words=fmt == "csv")  # the CSV in the teacher page's words
        text = to_csv(header, body) if fmt == "csv" else _json([dict(zip(header, r, strict=True)) for r in body],
                                                               indent=1)
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"--output: cannot write {output}: {exc.strerror}")
        console.print(f"wrote {output}")


def _learner(store, klass, learner: str):
    """The class's learner by the name the teacher typed, matched as the join form matches names (case, width and
    runs of spaces aside), or a message listing the class's learners."""
    try:
        found = store.learner(klass.id, learner)
    except ConfigError as exc:
        fail(str(exc))
    if found is None:
        fail(f"no learner named {learner!r} in {klass.name}; its learners: "
             f"{', '.join(r.name for r in store.learners(klass.id)) or 'none yet'}")
    return found


@class_app.command("forget")
def forget(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    learner: Annotated[str, typer.Argument(help="The learner's display name")],
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking")] = False,
) -> None:
    """Delete one learner's attempts, hints, solutions and name from a class (a request to be forgotten)."""
    store = open_store(db)
    klass = _find(store, name)
    found = _learner(store, klass, learner)
    if not yes and not typer.confirm(f"Delete everything {found.name!r} did in {klass.name!r}?"):
        _declined(f"nothing was deleted: {found.name} and their answers stay in {klass.name}")
    counts = store.forget(klass.id, found.name)
    console.print(f"forgot {found.name} in {klass.name}: {_count(counts['attempts'], 'attempt')} and "
                  f"{_count(counts['events'], 'hint or solution view')} deleted")


@class_app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    rotate: Annotated[bool, typer.Option("--rotate", help="Make a new token; the old one stops working")] = False,
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The teacher token is stored hashed and cannot be shown again: --rotate makes a new one."""
    if not rotate:
        fail("the token is kept only as a hash and cannot be shown again; --rotate makes a new one")
    store = open_store(db)
    klass = _find(store, name)
    new = store.rotate_token(klass.id)
    if json_out:
        typer.echo(_json({"name": klass.name, "code": klass.code, "teacher_token": new}))
    else:
        console.print(f"new teacher token for {klass.name}: [bold]{new}[/bold] (the old one no longer works; "
                      "a teacher logged in with it must log in again)")


@class_app.command("rejoin-code")
def rejoin_code(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    learner: Annotated[str, typer.Argument(help="The learner's display name")],
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A new rejoin code for a learner who lost theirs, shown this once; their old code stops working and every
    device that joined as them is signed out."""
    store = open_store(db)
    klass = _changeable(store, name)
    found = _learner(store, klass, learner)
    try:
        found, code = store.new_rejoin_code(klass.id, found.name)
    except ConfigError as exc:
        fail(str(exc))
    if json_out:
        typer.echo(_json({"class": klass.name, "learner": found.name, "rejoin_code": code}))
        return
    console.print(f"new rejoin code for {found.name} in {klass.name}: [bold]{code}[/bold]")
    console.print(f"  It is shown only now, and the old code no longer works. Every device that joined as "
                  f"{found.name} is signed out (its pages say why), so anyone who used the old code is out too. "
                  f"{found.name} rejoins at /join with the class code {klass.code}, the name {found.name} and this "
                  "code.")


@class_app.command("copy")
def copy(
    source: Annotated[str, typer.Option("--from", help="The store to copy, e.g. an SQLite file")],
    target: Annotated[str, typer.Option("--to", help="An empty store, e.g. postgresql://user@host/db")],
) -> None:
    """Copy every class, learner, attempt and event from one store into an empty one, keeping ids."""
    from ..classroom import copy_store

    if source == target:
        fail("--from and --to are the same store")
    if not Path(source).exists() and "://" not in source:
        fail(f"--from: {source} does not exist")
    src, dst = open_store(source), open_store(target)
    try:
        counts = copy_store(src, dst)
    except ConfigError as exc:
        fail(str(exc))
    console.print(f"copied {src!r} into {dst!r}: " + ", ".join(_rows(n, table) for table, n in counts.items()),
                  markup=False, highlight=False)


# copy_store's tables as a person counts their rows: (one, many)
_ROW_WORDS = {"classes": ("class", "classes"), "attempt_numbers": ("attempt counter", "attempt counters"),
              "events": ("hint or solution view", "hint and solution views"),
              "class_playground": ("class playground", "class playgrounds"), "merged_learners": ("merged learner",
                                                                                                 "merged learners")}


def _rows(n: int, table: str) -> str:
    """'1 class', '2 classes', '1 former name': a table's copied rows in words."""
    one, many = _ROW_WORDS.get(table, (table.replace("_", " ").removesuffix("s"), table.replace("_", " ")))
    return f"{n:,} {one if n == 1 else many}"


@class_app.command("archive")
def archive(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    undo: Annotated[bool, typer.Option("--undo", help="Open the class again")] = False,
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
) -> None:
    """Close a class: nobody joins or answers any more; its teacher can still log in to read and export it."""
    store = open_store(db)
    klass = _find(store, name)
    store.set_archived(klass.id, not undo)
    state = "open again" if undo else ("archived: it takes no new learners or answers, and its learners are told "
                                       "it is closed; its teacher can still log in at /teacher/login to read it "
                                       "and download its records (nothing can be changed), and 'actlab class "
                                       "export' still works")
    console.print(f"{klass.name} is {state}")


@class_app.command("reset")
def reset(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking")] = False,
) -> None:
    """Delete every attempt, hint and solution of a class, keeping the class and its learners."""
    store = open_store(db)
    klass = _changeable(store, name)
    if not yes and not typer.confirm(f"Delete every answer given in {klass.name!r}?"):
        _declined(f"nothing was reset: every answer, hint and solution view in {klass.name} is kept")
    try:
        counts = store.reset(klass.id)
    except ConfigError as exc:
        fail(str(exc))
    console.print(f"reset {klass.name}: {_count(counts['attempts'], 'attempt')} and "
                  f"{_count(counts['events'], 'hint or solution view')} deleted")


@class_app.command("rename")
def rename(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    old: Annotated[str, typer.Argument(help="The learner's display name now")],
    new: Annotated[str, typer.Argument(help="Their new display name")],
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
) -> None:
    """Rename a learner; their answers follow, and their rejoin code still works, with the new name or the old one
    (the old one brings them back under the new name, and they are told so). The old name stays theirs: nobody
    else joins as it without their rejoin code, until you rename another learner to it, which gives it to that
    learner."""
    store = open_store(db)
    klass = _changeable(store, name)
    try:
        kept_for = store.former_holder(klass.id, new)
        before, after = store.rename(klass.id, old, new)
    except ConfigError as exc:
        fail(str(exc))
    # the names as stored, as the class shows them (typed "  zoë   b " is stored "zoë b"; typed "ana" is Ana)
    console.print(f"{before} is now {after} in {klass.name}", markup=False, highlight=False)
    if kept_for is not None and kept_for != before:  # not the learner renamed back to a name of their own
        console.print(f"  {after} was kept for {kept_for}, who had it before a rename; it is {after}'s now, and "
                      f"{kept_for} rejoins as {kept_for}.", markup=False, highlight=False)


def _names(items: list[str] | None) -> list[str]:
    """Setting names from repeated and comma-separated options."""
    return [p.strip() for item in items or () for p in item.split(",") if p.strip()]


@class_app.command("playground")
def playground(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    link: Annotated[str | None, typer.Option(help="A playground link whose settings replace those it names")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="A setting as KEY=VALUE (a JSON value or "
                                                                  "text), e.g. --set lr=0.1; the page's keys as a "
                                                                  "link writes them too (batch=30, train=80 in "
                                                                  "percent); repeatable")] = None,
    pin: Annotated[list[str] | None, typer.Option(help="Settings learners cannot change, added to those "
                                                        "pinned (repeatable, or comma-separated), e.g. --pin "
                                                        "dataset,lr")] = None,
    unpin: Annotated[list[str] | None, typer.Option(help="Pinned settings to give back to the learners "
                                                          "(repeatable, or comma-separated)")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget the saved settings and pins")] = False,
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The class's playground: the settings its learners start from and which of them are pinned (the lab
    refuses a change to a pinned one). Changes merge with what is saved and are listed; without options, shows
    what is saved."""
    from ..classroom import LINK_KEYS, merge_playground, read_link, shown_value

    store = open_store(db)
    klass = _find(store, name)
    changes: list[str] = []
    if clear and (link is not None or set_ or pin or unpin):
        given_with = [opt for opt, on in (("--link", link is not None), ("--set", set_), ("--pin", pin),
                                          ("--unpin", unpin)) if on]
        fail(f"--clear forgets every saved setting and pin, so it cannot be combined with {', '.join(given_with)}; "
             "run --clear alone, then the command that saves the new settings")
    if clear:
        try:
            store.save_class_playground(klass.id, {"config": {}, "pinned": []})
        except ConfigError as exc:
            fail(str(exc))
        changes = ["cleared: learners start from the defaults"]
    elif link is not None or set_ or pin or unpin:
        try:
            read = read_link(link) if link else None
            config = dict(read.config) if read else {}
            page_notes = []
            for item in set_ or ():
                key, sep, text = item.partition("=")
                key = key.strip()
                if not sep or not key:
                    raise ConfigError("set", f"KEY=VALUE such as lr=0.1; got {item!r}")
                if key in LINK_KEYS and LINK_KEYS[key][0] != key:  # the page's key (batch=30, train=80 percent):
                    part = read_link(f"{key}={text.strip()}")  # read as a link writes it, in the page's units
                    config.update(part.config)
                    page_notes += [f"--set {key}={text.strip()}: read as {n}={shown_value(v)}"
                                   for n, v in part.config.items()]
                    continue
                try:
                    config[key] = json.loads(text)
                except ValueError:
                    config[key] = text
            saved, changes = merge_playground(store.class_playground(klass.id), config, _names(pin), _names(unpin))
            store.save_class_playground(klass.id, saved.to_dict())
        except ConfigError as exc:
            fail(str(exc))
        changes = changes or ["nothing changed: the saved settings already say that"]
        changes = [*(read.notes if read else ()), *page_notes, *changes]  # keys read under another name, or not saved
    saved = store.class_playground(klass.id) or {"config": {}, "pinned": []}
    if json_out:
        for line in changes:  # stdout holds the JSON alone
            typer.echo(line, err=True)
        typer.echo(_json(saved))
        return
    for line in changes:
        console.print(line, markup=False, highlight=False)
    if not saved["config"] and not saved["pinned"]:
        console.print(f"{klass.name}: no playground settings saved; learners start from the defaults")
        return
    table = Table(title=f"{klass.name}: the playground its learners start from")
    for col in ("setting", "value", "pinned"):
        table.add_column(col)
    for key in sorted(saved["config"]):
        table.add_row(key, shown_value(saved["config"][key]), "pinned" if key in saved["pinned"] else "")
    console.print(table)


@class_app.command("merge")
def merge(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    source: Annotated[str, typer.Argument(help="The name to fold in (it goes)")],
    target: Annotated[str, typer.Argument(help="The name that stays")],
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking")] = False,
) -> None:
    """One person who joined under two names: move SOURCE's answers to TARGET and remove SOURCE (asks first).
    `actlab class unmerge NAME SOURCE` undoes it while the moved answers are unchanged."""
    store = open_store(db)
    klass = _changeable(store, name)
    try:
        src, dst = store.learner(klass.id, source), store.learner(klass.id, target)
    except ConfigError as exc:
        fail(str(exc))
    if not yes and src is not None and dst is not None and src.id != dst.id and not typer.confirm(
            f"Move every answer of {src.name!r} to {dst.name!r} in {klass.name!r} and remove {src.name!r}? "
            f"{src.name}'s rejoin code stops working, and their pages tell them to join as {dst.name}. 'actlab class "
            f"unmerge' undoes it as long as the moved answers are not changed since (by a rename, forget or reset)."):
        _declined(f"nothing was merged: {src.name} and {dst.name} stay two learners in {klass.name}")
    try:
        moved = store.merge(klass.id, source, target)
    except ConfigError as exc:
        fail(str(exc))
    kept, gone = dst.name, src.name  # the stored names, not as typed (merge failed above if either was missing)
    if src.id == dst.id:  # one learner: rows stored under older spellings of the name were moved to it
        console.print(f"merged the rows stored under other spellings of {kept} into {kept} in {klass.name}: "
                      f"{_count(moved, 'record')} moved (attempts, hints and solution views)")
        return
    console.print(f"merged {gone} into {kept} in {klass.name}: {_count(moved, 'record')} moved (attempts, hints "
                  f"and solution views); {gone}'s pages and rejoin code now tell them to join as {kept}. To undo it: "
                  f"actlab class unmerge {_quoted(klass.name)} {_quoted(gone)}", markup=False, highlight=False)


@class_app.command("unmerge")
def unmerge(
    name: Annotated[str, typer.Argument(help="The class's name or join code")],
    source: Annotated[str, typer.Argument(help="The name that was merged away")],
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
) -> None:
    """Undo the latest merge of SOURCE: every answer, hint and solution view it moved goes back to SOURCE, and SOURCE
    is a learner again with their rejoin code. Refused, changing nothing, when a moved record has changed since."""
    store = open_store(db)
    klass = _changeable(store, name)
    try:
        gone, kept, moved = store.unmerge(klass.id, source)
    except ConfigError as exc:
        fail(str(exc))
    console.print(f"undid the merge of {gone} into {kept} in {klass.name}: {_count(moved, 'record')} moved back "
                  f"(attempts, hints and solution views). {gone} is a learner again: their rejoin code works, and a "
                  "browser that had joined as them is let in again.", markup=False, highlight=False)


def _quoted(text: str) -> str:
    """A name as a shell reads it back as one word ('physics 2a')."""
    import shlex

    return shlex.quote(text)


def class_progress(store, class_name: str, learner: str | None, json_out: bool, console, fail) -> None:
    """`actlab progress --class NAME [--learner NAME] [--json]`: the teacher page's one row per learner (a cell
    per exercise in the page's words, and the exercises whose solution was seen before solving), or one
    learner's rows in that class. --json prints the rows as /api/class/teacher/learners gives them."""
    import typer

    from ..classroom import cell_text, exercise_keys, learner_rows, solution_first
    from ..store import fold_name, name_key

    try:
        klass = store.get_class(class_name)
    except ConfigError as exc:
        fail(str(exc))
    rows = learner_rows(store, klass.id)
    if learner is not None:
        try:
            key = name_key(learner)
        except ConfigError as exc:
            fail(str(exc))
        rows = [r for r in rows if fold_name(r.learner) == key]
        if not rows:
            fail(f"--learner: nobody named {learner!r} in {klass.name}; actlab progress --class "
                 f"{klass.name!r} lists its learners")
    if json_out:
        typer.echo(_json([{**r.to_dict(), "solution_before_solving": solution_first(r)} for r in rows]))
        return
    keys = exercise_keys()
    title = f"{klass.name}: {len(rows)} learner{'s' if len(rows) != 1 else ''}"
    table = Table(title=title)
    table.add_column("learner")
    for k in keys:
        table.add_column(k)
    table.add_column("solution seen before solving")
    for r in rows:
        table.add_row(r.learner, *(cell_text(r.cells[k]) for k in keys), ", ".join(solution_first(r)) or "-")
    wide = console.options.update_width(10_000)  # the width the table wants, not what the terminal allows it
    if Measurement.get(console, wide, table).maximum <= console.width or _fits_wrapped(table, len(rows)):
        console.print(table)
        return
    console.print(_progress_by_exercise(title, rows, keys))


def _fits_wrapped(table, n_rows: int) -> bool:
    """Whether the wide table reads well at the terminal's width (COLUMNS too, when the output is piped) with its
    cells wrapped at spaces: no word cut to "…" and no row taller than three lines. A class whose cells say "not
    yet, 3 tries, hint 2" on most exercises is wider than 200 columns unwrapped, and then it went to one line per
    learner and exercise even on a wide terminal."""
    with console.capture() as captured:
        console.print(table)
    text = captured.get()
    return "…" not in text and len(text.splitlines()) <= 3 * (n_rows + 1) + 4  # title, rules and heading


def _progress_by_exercise(title: str, rows, keys: list[str]) -> Table:
    """The class's progress for a narrow terminal (the wide table cut every cell to "par…"): one line per learner
    and exercise they touched, in five columns whose headings and cells stay whole; exercises nobody touched are
    named under the table."""
    from ..classroom import status_word

    table = Table(title=title)
    for heading in ("learner", "exercise", "status", "tries", "hints / solution"):
        table.add_column(heading, overflow="fold")
    touched = set()
    for r in rows:
        for k in keys:
            c = r.cells[k]
            if not c.answers and not c.hints and not c.solution_seen:
                continue
            touched.add(k)
            help_seen = [f"hint {c.hints}"] if c.hints else []
            if c.solution_seen:
                help_seen.append("solution before solving" if c.solution_before_solving else "solution")
            table.add_row(r.learner, k, status_word(c.status), c.tries_text, ", ".join(help_seen) or "-")
        if not any(r.cells[k].answers or r.cells[k].hints or r.cells[k].solution_seen for k in keys):
            table.add_row(r.learner, "-", "nothing yet", "0", "-")
    untouched = [k for k in keys if k not in touched]
    if untouched:
        table.caption = f"nobody has started {', '.join(untouched)}"
    return table

