"""A hand-written monitor log whose layers carry fields of the test's choosing (M19: the one copy of a loop that
test_watch_legends_r17 and test_watch_health_default_v10 each wrote). Imported, not collected."""

from __future__ import annotations

from pathlib import Path

from web._watch_logs import header, lines, report


def write_fields(path: Path, names: list[str], steps, activations: list[str] | None = None, **fields) -> None:
    """A header and one report per step of ``steps``; each keyword names a layer field and gives its value per layer
    (window=[1, 5] sets layer 0's window to 1 and layer 1's to 5), and ``activations`` goes to the header and to the
    layers where given."""
    if activations is not None:
        fields["activation"] = activations
    head = header(names) if activations is None else {**header(names), "activations": activations}

    def filled(step: int) -> dict:
        r = report(step, names)
        for field, values in fields.items():
            for layer, value in zip(r["layers"], values, strict=True):
                layer[field] = value
        return r

    path.write_text(lines(head, *[filled(s) for s in steps]))
