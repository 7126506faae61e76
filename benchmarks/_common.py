"""What the page benchmarks share: the Chromium they drive, a static reference page, memory read the same way.

Imported by ``bench_form.py``, ``bench_pages.py`` and ``bench_rooms.py`` (run as scripts, this folder
is first on ``sys.path``).
"""

from __future__ import annotations

import http.server
import os
import threading

CHROMIUM = os.environ.get("ORB_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: When the page was parsed and painted (seconds from navigation), measured in the page itself rather
#: than by the driver's polling: a control in the HTML is usable from then on.
PAINTED_JS = (
    "Math.max(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,"
    " ...performance.getEntriesByType('paint').map(e => e.startTime))"
)


def painted_s(page) -> float:
    """:data:`PAINTED_JS` on a playwright (sync) page, in seconds."""
    return page.evaluate(PAINTED_JS) / 1000


def static_server(body: bytes) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``body`` (one HTML page) at every path from this machine: the floor no server can beat.

    Returns the server (``shutdown()`` it when done) and its address.
    """

    class Static(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass  # the browser moved on (its context closed)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Static)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its children, in MB."""
    import psutil

    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20
