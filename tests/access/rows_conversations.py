"""Conversations routes: the advisor's inbox and threads, compliance's escalations and
complaints, marketing's approved answers, the response metrics."""

from advisor_hub.conversations.models import (
    Comment,
    Escalation,
    EscalationLevel,
    EscalationReason,
    EscalationState,
    Reply,
    ReplySource,
    ReplyState,
    ReplyTemplate,
)
from advisor_hub.db import utcnow
from tests.access.matrix import ANON, LOGIN, ROLES, Row, only

ADVISOR = ["advisor"]
HANDLERS = ["compliance", "senior_compliance"]


def _comment(session, factory, users):
    """A comment on the matrix advisor's post (the other roles do not own it)."""
    comment = Comment(network="sandbox", external_id=f"m-{utcnow().timestamp()}", post_id=1,
                      target_id=1, account_id=1, network_post_id="post-1",
                      advisor_id=users["advisor"].id, author_name="Client", text="Hello",
                      created_at=utcnow(), sensitive=[])
    session.add(comment)
    session.flush()
    reply = Reply(comment_id=comment.id, author_id=users["advisor"].id,
                  source=ReplySource.FREE_FORM, text="Hi", state=ReplyState.REJECTED)
    escalation = Escalation(comment_id=comment.id, reason=EscalationReason.OTHER,
                            level=EscalationLevel.COMPLIANCE, state=EscalationState.OPEN,
                            opened_by_id=users["advisor"].id, note="n", target_minutes=240)
    template = ReplyTemplate(title="T", text="Thanks", language="en",
                             created_by_id=users["marketing"].id)
    session.add_all([reply, escalation, template])
    session.flush()
    template.lineage_id = template.id
    return {"comment_id": comment.id, "reply_id": reply.id, "escalation_id": escalation.id,
            "template_id": template.id}


def codes(**by_role: int) -> dict[str, int]:
    """Every role 403 unless named; anonymous to the login page."""
    return {**{role: 403 for role in ROLES}, ANON: LOGIN, **by_role}


C = "/conversations/comments/{comment_id}"
E = "/conversations/escalations/{escalation_id}"
A = "/conversations/answers/{template_id}"
ROWS = [
    Row("GET", "/conversations/", only(ADVISOR)),
    Row("GET", "/conversations/?unread=1", only(ADVISOR)),
    Row("POST", "/conversations/read-all", only(ADVISOR, allowed=302)),
    Row("GET", C, only(ADVISOR), setup=_comment),
    # Missing template id: the form refuses, back to the thread.
    Row("POST", C + "/reply-template", only(ADVISOR, allowed=302), setup=_comment),
    # No text: the thread page again with the form's error.
    Row("POST", C + "/reply", only(ADVISOR), setup=_comment),
    Row("POST", C + "/hide", only(ADVISOR, allowed=302), setup=_comment, data={"x": "1"}),
    Row("POST", C + "/escalate", only(ADVISOR), setup=_comment),
    # Handlers may tag any comment; the advisor their own.
    Row("POST", C + "/complaint", codes(advisor=302, compliance=302, senior_compliance=302),
        setup=_comment, data={"complaint": "1"}),
    # The author is sent to the thread; handlers read the reply.
    Row("GET", "/conversations/replies/{reply_id}",
        codes(advisor=302, compliance=200, senior_compliance=200), setup=_comment),
    Row("GET", "/conversations/escalations/", only(HANDLERS)),
    Row("GET", "/conversations/escalations/?all=1", only(HANDLERS)),
    Row("GET", E, codes(advisor=200, compliance=200, senior_compliance=200), setup=_comment),
    Row("POST", E + "/take", only(HANDLERS, allowed=302), setup=_comment),
    Row("POST", E + "/legal", only(HANDLERS), setup=_comment),
    Row("POST", E + "/answer", only(HANDLERS), setup=_comment),
    Row("POST", E + "/close", only(HANDLERS), setup=_comment),
    Row("GET", "/conversations/complaints", only(HANDLERS)),
    Row("GET", "/conversations/answers/", only(["marketing", *HANDLERS])),
    Row("GET", "/conversations/answers/new", only(["marketing"])),
    Row("POST", "/conversations/answers/new", only(["marketing"])),
    Row("GET", A, only(["marketing", *HANDLERS]), setup=_comment),
    Row("POST", A, codes(marketing=200, compliance=403, senior_compliance=403), setup=_comment),
    Row("POST", A + "/submit", only(["marketing"], allowed=302), setup=_comment),
    Row("POST", A + "/retire", only(["marketing"], allowed=302), setup=_comment),
    Row("GET", "/conversations/metrics",
        only(["branch_manager", "marketing", "compliance", "admin"])),
]
