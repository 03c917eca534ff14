"""Readable names for audit actions, shown in histories (the raw code stays in the admin trail)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "branch.create": _l("Branch created"),
    "disclosure.added": _l("Disclosure added"),
    "disclosure.removed": _l("Disclosure removed"),
    "lexicon.term_added": _l("Lexicon term added"),
    "lexicon.term_changed": _l("Lexicon term changed"),
    "lexicon.term_removed": _l("Lexicon term removed"),
    "library.event_type_added": _l("Life-event type added"),
    "library.imported": _l("Items imported"),
    "library.item_created": _l("Item created"),
    "library.item_retired": _l("Item retired"),
    "library.template_approved": _l("Template approved"),
    "library.template_created": _l("Template created"),
    "library.template_retired": _l("Template retired"),
    "library.template_submitted": _l("Template sent for review"),
    "library.template_superseded": _l("Template replaced by a newer version"),
    "library.template_updated": _l("Template changed"),
    "library.template_version_created": _l("New template version"),
    "library.used": _l("Used by an advisor"),
    "library.version_approved": _l("Version approved"),
    "library.version_created": _l("New version"),
    "library.version_submitted": _l("Version sent for review"),
    "library.version_superseded": _l("Version replaced by a newer one"),
    "library.version_updated": _l("Draft changed"),
    "library.version_changes_requested": _l("Changes requested by compliance"),
    "library.version_rejected": _l("Rejected by compliance"),
    "library.version_expired": _l("Approval expired"),
    "library.version_withdrawn": _l("Withdrawn from review"),
    "library.template_changes_requested": _l("Changes requested by compliance"),
    "library.template_rejected": _l("Rejected by compliance"),
    "library.template_expired": _l("Approval expired"),
    "library.template_withdrawn": _l("Withdrawn from review"),
    "links.rule_added": _l("Link rule added"),
    "links.rule_removed": _l("Link rule removed"),
    "policy.version_created": _l("New policy version"),
    "reason_code.active_changed": _l("Reason code retired or reused"),
    "reason_code.added": _l("Reason code added"),
    "review.approved": _l("Approved"),
    "review.approved_from_library": _l("Approved (unchanged library content)"),
    "review.override_approved": _l("Approved despite a blocking finding (senior reviewer)"),
    "review.rejected": _l("Rejected"),
    "review.changes_requested": _l("Changes requested"),
    "review.escalated": _l("Escalated"),
    "review.claimed": _l("Claimed by a reviewer"),
    "review.released": _l("Released by the reviewer"),
    "review.expired": _l("Approval expired"),
    "review.sla_changed": _l("Review target changed"),
    "review.submitted": _l("Sent for review"),
    "review.superseded": _l("Replaced by a newer request"),
    "review.withdrawn": _l("Withdrawn"),
    "user.activate": _l("Account activated or deactivated"),
    "user.create": _l("User created"),
    "user.locked": _l("Account locked"),
    "user.login": _l("Logged in"),
    "user.preferences": _l("Preferences changed"),
    "user.update": _l("User changed"),
}


def action_label(action: str) -> str:
    """The readable name of an audit action; unknown actions show their code."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
