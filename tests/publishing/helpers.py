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
