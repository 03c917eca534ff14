"""Routes of the approvals package: compliance and senior compliance only (the author's own
decision page excepted)."""

from approvals import services
from tests.access.matrix import LOGIN, ROLES, Row, only
from tests.approvals.conftest import TEST_KIND

REVIEWERS = ("compliance", "senior_compliance")


def _review(session, factory, users):
    review = services.submit_for_review(
        session, kind=TEST_KIND, subject_id=1, author=users["advisor"],
        content=services.ReviewContent("A calm text"), networks=["linkedin"],
        branch_id=users["advisor"].branch_id)
    return {"review_id": review.id}


def _term(session, factory, users):
    from approvals import rules

    entry = rules.add_term(session, actor=users["compliance"], term="matrix term")
    return {"term_id": entry.id}


def _link(session, factory, users):
    from approvals import rules

    rule = rules.add_link_rule(session, actor=users["compliance"], domain="matrix.example",
                               kind="deny")
    return {"rule_id": rule.id}


def _disclosure(session, factory, users):
    from approvals import rules

    d = rules.add_disclosure(session, actor=users["compliance"], text="#PUB", network=None,
                             category=None)
    return {"disclosure_id": d.id}


def _reason(session, factory, users):
    from approvals import rules

    return {"reason_id": rules.list_reason_codes(session)[0].id}


def _removed_once() -> dict[str, int]:
    """Compliance (tried first) removes the object; the senior reviewer then finds it gone."""
    return {**only(REVIEWERS), "compliance": 302, "senior_compliance": 404}


def _author_only() -> dict[str, int]:
    codes = {role: 404 for role in ROLES}
    codes["advisor"] = 200
    codes["anonymous"] = LOGIN
    return codes


# Posts that change something are sent with data a reviewer's form refuses (or that is
# idempotent), so every role meets the same state.
ROWS = [
    Row("GET", "/review/", only(REVIEWERS)),
    Row("GET", "/review/?q=calm", only(REVIEWERS)),
    # Bulk decisions: refused without a decision (nothing changes), back to the queue.
    Row("POST", "/review/bulk", only(REVIEWERS, allowed=302), setup=_review,
        data={"review_ids": "{review_id}", "decision": ""}),
    Row("GET", "/review/{review_id}", only(REVIEWERS), setup=_review),  # reads, claims nothing
    # "Start review": the claim is a POST (issue 11, point 12); back to the review page.
    Row("POST", "/review/{review_id}/claim", only(REVIEWERS, allowed=302), setup=_review),
    Row("POST", "/review/{review_id}/decide", only(REVIEWERS), setup=_review,
        data={"decision": "reject", "reason_code": ""}),
    Row("POST", "/review/{review_id}/release", only(REVIEWERS, allowed=302), setup=_review),
    Row("GET", "/review/mine/{review_id}", _author_only(), setup=_review),
    Row("GET", "/review/lexicon", only(REVIEWERS)),
    Row("POST", "/review/lexicon", only(REVIEWERS), data={"term": "", "severity": "flag",
                                                          "language": "any"}),
    Row("POST", "/review/lexicon/{term_id}/edit", only(REVIEWERS, allowed=302), setup=_term,
        data={"severity": "flag", "note": ""}),  # unchanged: refused with a message
    Row("POST", "/review/lexicon/{term_id}/remove", _removed_once(), setup=_term),
    Row("GET", "/review/lexicon/history", only(REVIEWERS)),
    Row("GET", "/review/links", only(REVIEWERS)),
    Row("POST", "/review/links", only(REVIEWERS), data={"domain": "", "kind": "deny"}),
    Row("POST", "/review/links/{rule_id}/remove", _removed_once(), setup=_link),
    Row("GET", "/review/disclosures", only(REVIEWERS)),
    Row("POST", "/review/disclosures", only(REVIEWERS), data={"text": ""}),
    Row("POST", "/review/disclosures/{disclosure_id}/remove", _removed_once(),
        setup=_disclosure),
    Row("GET", "/review/reasons", only(REVIEWERS)),
    Row("POST", "/review/reasons", only(REVIEWERS), data={"code": "", "label": ""}),
    Row("POST", "/review/reasons/{reason_id}/edit", only(REVIEWERS, allowed=302),
        setup=_reason, data={"label": "Other", "label_fr": "Autre"}),
    Row("POST", "/review/reasons/{reason_id}/active", only(REVIEWERS, allowed=302),
        setup=_reason, data={"active": "1"}),
    Row("GET", "/review/settings", only(REVIEWERS)),
    Row("POST", "/review/settings", only(REVIEWERS), data={"sla_minutes": "0"}),
]
