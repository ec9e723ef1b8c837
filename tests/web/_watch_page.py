"""Open /watch in a fresh browser context and collect the page's script errors (shared by the watch page tests)."""

from __future__ import annotations


def open_watch(browser, base: str, ready: str, width: int = 1280, timeout: float | None = None, query: str = ""):
    """A `width` x 1000 context on `base`/watch (with `query`, such as "?health=saturated"), once the JavaScript
    condition `ready` holds (within `timeout` ms, Playwright's default when None); (context, page, errors)."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/watch{query}")
    page.wait_for_function(ready, timeout=timeout)
    return context, page, errors
