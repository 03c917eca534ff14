"""Serve the Sandbox over real HTTP in a background thread (tests, benchmarks, demos).

Served by waitress rather than Werkzeug's development server: Werkzeug closes every
connection after one request (a TCP connection and a server thread per post), which made the
stand-in, not the dispatcher, the bottleneck of the dispatch benchmark. Waitress keeps
HTTP/1.1 connections alive, as real networks do, and answers from a fixed pool of threads
(large enough that the benchmark's injected latency is spent concurrently).
"""

from __future__ import annotations

import threading
from typing import Any

from waitress.server import create_server

from .app import create_sandbox_app, get_state
from .state import SandboxState

THREADS = 64


class SandboxServer:
    """``with SandboxServer(config) as server: server.url`` -> ``http://127.0.0.1:<port>``.

    Port 0 picks a free port.
    """

    def __init__(
        self, config: dict[str, Any] | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.app = create_sandbox_app(config)
        self._server: Any = create_server(
            self.app, host=host, port=port, threads=THREADS, connection_limit=1000,
            clear_untrusted_proxy_headers=True, ident="sandbox",
        )
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sandbox-server",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    @property
    def state(self) -> SandboxState:
        return get_state(self.app)

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        """Waitress's event loop, one short poll at a time so that ``stop`` is noticed;
        the sockets are closed here, in the loop's own thread (closing them from another
        thread while it polls them fails)."""
        server = self._server
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        for channel in list(server._map.values()):  # the listening socket included
            channel.close()
        server.task_dispatcher.shutdown(timeout=5)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
