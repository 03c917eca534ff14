"""Who wrote or changed a library version or a life-event template.

Separation of duties (issue 11, point 2): nobody who edited content may decide on its review.
Every service that changes a version or a template notes its actor here; approvals asks for
the editors through the ``editors`` provider registered with each review kind
(``version_editors`` / ``template_editors``), never by reading these tables.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from content_library.models import (
    LibraryItemVersion,
    LibraryVersionEditor,
    LifeEventTemplate,
    LifeEventTemplateEditor,
)


def note_version_editor(session: Session, version: LibraryItemVersion, user: User) -> None:
    """Remember that ``user`` wrote or changed ``version`` (once per person)."""
    session.flush()
    if session.get(LibraryVersionEditor, (version.id, user.id)) is None:
        session.add(LibraryVersionEditor(version_id=version.id, user_id=user.id))
        session.flush()


def note_template_editor(session: Session, template: LifeEventTemplate, user: User) -> None:
    session.flush()
    if session.get(LifeEventTemplateEditor, (template.id, user.id)) is None:
        session.add(LifeEventTemplateEditor(template_id=template.id, user_id=user.id))
        session.flush()


def version_editors(session: Session, version_id: int) -> frozenset[int]:
    """Everyone who wrote or changed the version, its creator included."""
    version = session.get(LibraryItemVersion, version_id)
    ids = set(session.scalars(select(LibraryVersionEditor.user_id)
                              .where(LibraryVersionEditor.version_id == version_id)))
    if version is not None:
        ids.add(version.created_by_id)
    return frozenset(ids)


def template_editors(session: Session, template_id: int) -> frozenset[int]:
    """Everyone who wrote or changed the template version, its creator included."""
    template = session.get(LifeEventTemplate, template_id)
    ids = set(session.scalars(select(LifeEventTemplateEditor.user_id)
                              .where(LifeEventTemplateEditor.template_id == template_id)))
    if template is not None:
        ids.add(template.created_by_id)
    return frozenset(ids)
