"""Is the portal working? ``/healthz`` for load balancers and monitoring, and the scheduler
health page for compliance and administrators (``/operations/scheduler``)."""

from __future__ import annotations
