"""The publish-time re-check never turns a failed approvals check into "publishable"."""

from __future__ import annotations

import pytest

from advisor_hub.db import utcnow
from content_library import review, services


def test_an_approvals_check_that_cannot_run_is_not_publishable(db_session, library,
                                                                monkeypatch) -> None:
    version = library.approved()
    assert services.is_version_publishable(db_session, version_id=version.id,
                                           now=utcnow()) == (True, None)

    def unavailable(session, review_id):
        raise ImportError("approvals is not installed")

    monkeypatch.setattr(review, "approval_stands", unavailable)
    with pytest.raises(ImportError):  # once: "approvals not merged" meant publishable
        services.is_version_publishable(db_session, version_id=version.id, now=utcnow())
