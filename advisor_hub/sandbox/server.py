"""Serve the Sandbox over real HTTP in a background thread (tests, benchmarks, demos)."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_sandbox_app, get_state
from .state import SandboxState


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1, so clients (a ``requests.Session`` per dispatch thread) reuse connections
    instead of opening a TCP connection, and the server a thread, per request."""

    protocol_version = "HTTP/1.1"


class SandboxServer:
    """``with SandboxServer(config) as server: server.url`` -> ``http://127.0.0.1:<port>``.

    Port 0 picks a free port. The server is threaded, so a delayed request does not block
    the others.
    """

    def __init__(
        self, config: dict[str, Any] | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.app = create_sandbox_app(config)
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True,
                                                   request_handler=_KeepAliveHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown in tests
            name="sandbox-server",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    @property
    def state(self) -> SandboxState:
        return get_state(self.app)

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
