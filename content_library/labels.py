"""The library's states as curators read them (in their language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from content_library.models import Status

STATUS_LABELS = {
    Status.DRAFT: _l("draft"),
    Status.IN_REVIEW: _l("in review"),
    Status.CHANGES_REQUESTED: _l("changes requested"),
    Status.REJECTED: _l("rejected"),
    Status.APPROVED: _l("approved"),
    Status.SUPERSEDED: _l("superseded"),
    Status.RETIRED: _l("retired"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(Status(status), status))
