"""What a person reads instead of a code or an id (issue 14, point 6).

Each package keeps the labels of its own codes next to them (``approvals.forms`` for review
kinds and statuses, ``content_library.labels``, the lifecycles' ``label`` in
``advisor_hub.publishing.models``, ``advisor_hub.campaigns.models``,
``advisor_hub.conversations.models``, the audit actions in ``advisor_hub.audit.labels``);
this module is the one the pages ask, whatever the code: ``state_label`` (any lifecycle's
state), ``kind_label`` (what is reviewed), ``subject_label`` (what an audit event is about),
``field_label`` and ``value_label`` (a change's fields and values), ``person_name`` (a user,
by object or id; the system is "Advisor Hub"). Unknown codes come back as they are, so a
code nobody labelled shows up in tests (tests/foundation/test_french_pages.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User

# The actor of what nobody did by hand (scheduler, CLI, the system's own approvals).
SYSTEM_NAME = _l("Advisor Hub (system)")

SUBJECT_LABELS: Mapping[str, Any] = {
    "users": _l("User"), "branches": _l("Branch"), "posts": _l("Post"),
    "linked_accounts": _l("Linked account"), "publication_targets": _l("Publication"),
    "review_requests": _l("Review"), "library_items": _l("Library item"),
    "library_item_versions": _l("Library item version"),
    "life_event_templates": _l("Life-event template"),
    "life_event_types": _l("Life-event type"), "lexicon_terms": _l("Lexicon term"),
    "lexicon_versions": _l("Policy version"), "link_rules": _l("Link rule"),
    "disclosures": _l("Disclosure"), "reason_codes": _l("Reason code"),
    "review_settings": _l("Review target"), "campaigns": _l("Campaign"),
    "campaign_steps": _l("Campaign step"), "campaign_members": _l("Campaign member"),
    "campaign_posts": _l("Campaign post"), "reply_templates": _l("Approved answer"),
    "conversation_comments": _l("Client comment"), "conversation_replies": _l("Reply"),
    "conversation_escalations": _l("Escalation"), "archive_records": _l("Archive record"),
    "archive_legal_holds": _l("Legal hold"), "sso_settings": _l("Single sign-on"),
    "network_holds": _l("Network hold"), "connector_settings": _l("Network settings"),
    "account_grants": _l("Account grant"), "archive": _l("Archive"),
    "network": _l("Network"), "notifications": _l("Notification"),
}

# The fields audit events record before and after a change.
FIELD_LABELS: Mapping[str, Any] = {
    "state": _l("State"), "status": _l("Status"), "source": _l("Source"),
    "accounts": _l("Accounts"), "account_ids": _l("Accounts"), "text": _l("Text"),
    "title": _l("Title"), "email": _l("E-mail"), "first_name": _l("First name"),
    "last_name": _l("Last name"), "roles": _l("Roles"), "branch_id": _l("Branch"),
    "language": _l("Language"), "time_zone": _l("Time zone"), "active": _l("Active"),
    "review_id": _l("Review"), "reason_code": _l("Reason"), "comment": _l("Comment"),
    "justification": _l("Justification"), "lexicon_version": _l("Policy version"),
    "version": _l("Version"), "term": _l("Term"), "severity": _l("Severity"),
    "note": _l("Note (English)"), "note_fr": _l("Note (French)"),
    "label": _l("Label (English)"), "label_fr": _l("Label (French)"), "code": _l("Code"),
    "network": _l("Network"), "networks": _l("Networks"), "scheduled_at": _l("Scheduled for"),
    "published_at": _l("Published"), "display_name": _l("Name"), "kind": _l("Kind"),
    "domain": _l("Domain"), "category": _l("Category"), "sla_minutes": _l("Target (minutes)"),
    "sla_business_hours": _l("Business hours only"), "name": _l("Name"),
    "link_url": _l("Link"), "expires_at": _l("Approved until"), "decided_at": _l("Decided"),
    "subject_id": _l("Subject"), "outcome": _l("Outcome"), "basis_review_id": _l("Review"),
    "replaces": _l("Replaces"), "replaced_by": _l("Replaced by"), "city": _l("City"),
    "external_id": _l("Network id"), "grantor_id": _l("Granted by"),
    "publish_now": _l("Publish now"), "content_hash": _l("Content hash"),
    "escalation_level": _l("Escalation level"), "claimed_by_id": _l("Claimed by"),
    "decided_by_id": _l("Decided by"), "author_id": _l("Author"), "actor_id": _l("By"),
    "approved_by_id": _l("Approved by"), "user_id": _l("User"), "type": _l("Event"),
    "lineage_id": _l("Lineage"), "number": _l("Version"), "key": _l("Code"),
    "label_en": _l("Label (English)"),
    "advisor_id": _l("Advisor"),
    "already": _l("Already done"),
    "api_version": _l("API version"),
    "audience_all": _l("All advisors"),
    "available_from": _l("Available from"),
    "branch_ids": _l("Branches"),
    "by_version_id": _l("Replaced by version"),
    "campaign": _l("Campaign"),
    "cancelled": _l("Cancelled"),
    "cancelled_posts": _l("Posts cancelled"),
    "cause": _l("Cause"),
    "comment_id": _l("Client comment"),
    "complaint": _l("Complaint"),
    "count": _l("Count"),
    "cutoff": _l("Cut-off date"),
    "date_from": _l("From"),
    "date_to": _l("To"),
    "day_offset": _l("Day"),
    "decision": _l("Decision"),
    "detail": _l("Detail"),
    "due_at": _l("Due"),
    "end_date": _l("End date"),
    "environment_default": _l("Default of the environment"),
    "error": _l("Error"),
    "failed_logins": _l("Failed logins"),
    "failure_class": _l("Failure"),
    "file": _l("Uploaded file"),
    "filters": _l("Filters"),
    "findings": _l("Findings"),
    "findings_count": _l("Findings"),
    "first_id": _l("First record"),
    "format": _l("File format"),
    "hidden_at": _l("Hidden"),
    "image_sha256": _l("Image"),
    "imported": _l("Imported"),
    "issuer": _l("Identity provider"),
    "item_id": _l("Library item"),
    "languages": _l("Languages"),
    "last_hash": _l("Last hash"),
    "last_id": _l("Last record"),
    "level": _l("Level"),
    "link": _l("Link"),
    "locked_until": _l("Locked until"),
    "mode": _l("Mode"),
    "network_comment_id": _l("Comment on the network"),
    "owner_id": _l("Owner"),
    "password_reset_required": _l("Password reset required"),
    "placeholders": _l("Placeholders"),
    "post_url": _l("Post on the network"),
    "private_contact": _l("Private contact"),
    "reason": _l("Reason"),
    "released": _l("Released"),
    "released_at": _l("Released on"),
    "reply_id": _l("Reply"),
    "retired_at": _l("Retired"),
    "role_map": _l("Group-to-role map"),
    "sample_review_id": _l("Sample review"),
    "scheduled": _l("Scheduled"),
    "send_time": _l("Sending time"),
    "skipped_lines": _l("Lines skipped"),
    "start_date": _l("Start date"),
    "step_id": _l("Campaign step"),
    "steps": _l("Steps"),
    "stopped_at": _l("Stopped"),
    "subscribed": _l("Subscribed"),
    "summary": _l("Summary"),
    "tags": _l("Tags"),
    "target_minutes": _l("Target (minutes)"),
    "template_id": _l("Template"),
    "time_mode": _l("Time"),
    "version_id": _l("Library version"),
    "via": _l("Through"),
}
_PERSON_FIELDS = frozenset({"claimed_by_id", "decided_by_id", "author_id", "actor_id",
                            "approved_by_id", "user_id", "advisor_id", "owner_id"})
_YES_NO = {True: _l("yes"), False: _l("no")}


def _state_labels() -> list[Mapping[str, Any]]:
    # Imported here: the owners' modules import the whole app's models.
    from advisor_hub.campaigns import models as campaigns
    from advisor_hub.conversations import models as conversations
    from advisor_hub.publishing import models as publishing
    from approvals.forms import LINK_KIND_LABELS
    from approvals.forms import STATUS_LABELS as REVIEW_STATUS_LABELS
    from content_library.labels import STATUS_LABELS as LIBRARY_STATUS_LABELS

    return [publishing.STATE_LABELS, REVIEW_STATUS_LABELS,
            {str(k): v for k, v in LIBRARY_STATUS_LABELS.items()},
            campaigns.STATE_LABELS, conversations.STATE_LABELS,
            publishing.FAILURE_LABELS, publishing.SOURCE_LABELS, LINK_KIND_LABELS]


def state_label(value: Any) -> str:
    """Any lifecycle's state (a post's, a review's, a library item's...) in words."""
    code = str(getattr(value, "value", value))
    for labels in _state_labels():
        if code in labels:
            return str(labels[code])
    return code


def kind_label(kind: str) -> str:
    """What a review is about ("library_item" → "Library item")."""
    from approvals.forms import KIND_LABELS

    return str(KIND_LABELS.get(kind, kind))


def subject_label(subject_type: str) -> str:
    return str(SUBJECT_LABELS.get(subject_type, subject_type))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def person_name(session: Session, user: User | int | str | None) -> str:
    """A person by name: a user, or a user's id (a deleted one keeps its number);
    None is the system."""
    if user is None or user == "system":
        return str(SYSTEM_NAME)
    if not isinstance(user, User):
        try:
            found = session.get(User, int(user))
        except (TypeError, ValueError):
            return str(user)
        if found is None:
            return str(_l("Former user %(id)s", id=user))
        user = found
    return user.full_name


def value_label(session: Session, field: str, value: Any) -> str:
    """A recorded value in words: people by name, roles, languages, networks and states by
    their labels, yes/no, lists joined."""
    from advisor_hub.i18n import LANGUAGE_LABELS
    from advisor_hub.networks import ADAPTERS, network_label
    from advisor_hub.roles import ROLE_LABELS

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_YES_NO[value])
    if isinstance(value, list | tuple):
        return ", ".join(value_label(session, field, v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {value_label(session, k, v)}"
                         for k, v in value.items())
    if field in _PERSON_FIELDS:
        return person_name(session, value)
    if field == "branch_id":
        from advisor_hub.accounts.models import Branch

        branch = session.get(Branch, int(value)) if str(value).isdigit() else None
        return branch.name if branch is not None else str(value)
    if field == "kind" and kind_label(str(value)) != str(value):
        return kind_label(str(value))
    if field in ("type", "event_type"):  # a life-event type, by its key
        from flask_babel import get_locale

        from content_library.models import LifeEventType

        found = session.scalar(select(LifeEventType).where(LifeEventType.key == str(value)))
        if found is not None:
            return found.label(str(get_locale())[:2])
    if field == "reason_code":
        from flask_babel import get_locale

        from approvals.settings import reason_labels

        return reason_labels(session, str(get_locale())).get(str(value), str(value))
    text = str(value)
    if field == "roles" or text in ROLE_LABELS:
        return str(ROLE_LABELS.get(text, text))  # type: ignore[call-overload]
    if field == "language" and text in LANGUAGE_LABELS:
        return str(LANGUAGE_LABELS[text])
    if field in ("network", "networks") or text in ADAPTERS:
        return network_label(text)
    return state_label(text)
