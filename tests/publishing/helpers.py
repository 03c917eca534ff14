from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.publishing import composer
from advisor_hub.publishing.models import LinkedAccount, Post


def library_post(session: Session, advisor: User, accounts: list[LinkedAccount],
                 version_id: int, *, edit: str | None = None, publish_now: bool = True,
                 when_local: datetime | None = None, **kwargs: Any) -> Post:
    source = composer.load_source(session, advisor=advisor, version_id=version_id)
    return composer.compose_post(
        session, author=advisor, body=edit if edit is not None else source.text,
        link_url=None, account_ids=[a.id for a in accounts], publish_now=publish_now,
        when_local=when_local, version_id=version_id, **kwargs)


def free_post(session: Session, advisor: User, accounts: list[LinkedAccount], text: str,
              **kwargs: Any) -> Post:
    kwargs.setdefault("publish_now", True)
    kwargs.setdefault("when_local", None)
    return composer.compose_post(session, author=advisor, body=text, link_url=None,
                                 account_ids=[a.id for a in accounts], **kwargs)


def pass_time(session: Session, seconds: float) -> None:
    """As if ``seconds`` passed on the database's clock (which time-machine cannot move: the
    dispatcher reads "now" from the database): every outbox row's due time, lease and
    "absent believed" time, and every token bucket's last refill, moves that much earlier."""
    from datetime import timedelta

    from sqlalchemy import select

    from advisor_hub.publishing.models import PublicationTarget

    shift = timedelta(seconds=seconds)
    session.expire_all()
    for target in session.scalars(select(PublicationTarget)):
        for name in ("due_at", "lease_expires_at", "absent_trusted_at"):
            value = getattr(target, name)
            if value is not None:
                setattr(target, name, value - shift)
    # The connectors' shared token buckets refill by the same clock.
    from advisor_hub.connectors.models import RateBucket

    for bucket in session.scalars(select(RateBucket)):
        bucket.updated_ts -= seconds
    session.flush()
