"""The browser tests' wait for a server-side event (``_browser.wait_pumping``): a request the page sends after
click() came back passes the page's route handler, which Playwright's sync API runs only inside a Playwright call,
so a plain ``threading.Event.wait`` holds it back for as long as it waits."""

from __future__ import annotations

import http.server
import threading

from _browser import wait_pumping
from conftest import recording_page

PAGE = b"<button onclick='setTimeout(() => fetch(\"/ping\"), 300)'>go</button>"


def test_a_request_sent_after_the_click_reaches_the_server_only_while_playwright_pumps(browser):
    got = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/ping":
                got.set()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with recording_page(browser, base) as page:
            page.goto(base)
            # the fetch leaves 3 s after evaluate() has come back (a margin a loaded machine's round trip keeps), while
            # Python waits without a Playwright call: it is held at the route handler, the papers tests' CI failures
            page.evaluate("setTimeout(() => fetch('/ping'), 3000)")
            assert not got.wait(6)
            assert wait_pumping(page, got, 10)
            got.clear()
            page.click("button")  # and a click's own fetch, with the wait helper from the start
            assert wait_pumping(page, got, 10)
    finally:
        server.shutdown()
