"""LaTeX to MathML on the server (latex2mathml), so formulas render offline in the browser."""

from __future__ import annotations

from functools import lru_cache

from latex2mathml.converter import convert


@lru_cache(maxsize=512)
def mathml(latex: str) -> str:
    try:
        return convert(latex)
    except Exception:  # a formula the converter cannot read is shown as its source, not an error page
        return f"<code>{latex}</code>"
