"""The Sandbox: a local stand-in social network with real OAuth 2 and a post API.

Mount it in the main app (its URLs then live under ``/sandbox``)::

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/sandbox": create_sandbox_app()})

or serve it alone: ``python -m advisor_hub.sandbox --port 5001``.
"""

from .app import create_sandbox_app, get_state
from .server import SandboxServer
from .state import FAULT_KINDS, SandboxState

__all__ = ["FAULT_KINDS", "SandboxServer", "SandboxState", "create_sandbox_app", "get_state"]
