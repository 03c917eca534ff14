"""The conversations package's public services (the views and other packages call these).

- ``inbox``: ``inbox``, ``thread``, ``unread_count``, ``mark_read``, ``capture_status``;
- ``replies``: ``reply_with_template``, ``reply_free_form`` (and the decision handlers);
- ``delivery``: ``deliver_reply``, ``hide_comment`` (they call the network: outside the unit
  of work, each owns its transactions);
- ``answers``: the approved answers' lifecycle;
- ``escalations``: ``escalate``, ``take``, ``pass_to_legal``, ``answer``,
  ``close_without_answer``, ``tag_complaint``, ``list_escalations``, ``complaints``;
- ``capture``: ``capture_comments``, ``sweep_deleted`` (the jobs);
- ``reporting``: ``response_metrics`` (the dashboard).
"""

from __future__ import annotations

from advisor_hub.conversations.answers import (
    TEMPLATE_KIND,
    create_template,
    edit_template,
    get_template,
    lineage,
    list_templates,
    on_template_decision,
    retire_template,
    submit_template,
    template_url,
    usable_templates,
)
from advisor_hub.conversations.capture import capture_comments, capturing_networks, sweep_deleted
from advisor_hub.conversations.delivery import deliver_queued, deliver_reply, hide_comment
from advisor_hub.conversations.escalations import (
    answer,
    close_without_answer,
    complaints,
    escalate,
    get_escalation,
    list_escalations,
    pass_to_legal,
    tag_complaint,
    take,
)
from advisor_hub.conversations.inbox import (
    capture_status,
    inbox,
    mark_all_read,
    mark_read,
    thread,
    unread_count,
)
from advisor_hub.conversations.replies import (
    REPLY_KIND,
    SAMPLE_KIND,
    get_reply,
    on_reply_decision,
    on_sample_decision,
    reply_free_form,
    reply_url,
    reply_with_template,
)
from advisor_hub.conversations.reporting import response_metrics

__all__ = [
    "REPLY_KIND", "SAMPLE_KIND", "TEMPLATE_KIND", "answer", "capture_comments",
    "capture_status", "capturing_networks", "close_without_answer", "complaints",
    "create_template", "deliver_queued", "deliver_reply", "edit_template", "escalate",
    "get_escalation", "get_reply", "get_template", "hide_comment", "inbox", "lineage",
    "list_escalations", "list_templates", "mark_all_read", "mark_read", "on_reply_decision",
    "on_sample_decision", "on_template_decision", "pass_to_legal", "reply_free_form",
    "reply_url", "reply_with_template", "response_metrics", "retire_template",
    "submit_template", "sweep_deleted", "tag_complaint", "take", "template_url", "thread",
    "unread_count", "usable_templates",
]
