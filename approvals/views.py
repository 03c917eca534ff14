"""Compliance screens: the queue, the review page and decisions, the policy (lexicon, link
rules, disclosures, reason codes, target); the author's view of a decision; the CLI."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import list_branches
from advisor_hub.audit.services import trail_for
from advisor_hub.db import get_session
from advisor_hub.errors import NotFound
from advisor_hub.navigation import NavItem
from advisor_hub.networks import network_label
from advisor_hub.networks.preview import NetworkPreview
from advisor_hub.networks.preview import previews as network_previews
from advisor_hub.roles import Role
from advisor_hub.security import roles_required
from advisor_hub.web import commit, page_arg, unit_of_work
from approvals import (
    jobs,  # noqa: F401  (registers the expiry job)
    rules,
    services,
)
from approvals import queue as queue_services
from approvals.display import (
    finding_message,
    finding_note,
    highlight,
    version_summary,
    word_diff,
)
from approvals.forms import (
    KIND_LABELS,
    STATUS_LABELS,
    BulkDecisionForm,
    ConfirmForm,
    DecisionForm,
    DisclosureForm,
    LinkRuleForm,
    QueueFilterForm,
    ReasonCodeForm,
    ReasonLabelsForm,
    SettingsForm,
    TermEditForm,
    TermForm,
)
from approvals.models import ReviewRequest

bp = Blueprint("approvals", __name__, url_prefix="/review", template_folder="templates",
               cli_group=None)

REVIEWERS = (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)

POLICY = _l("Policy")
# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("approvals.queue", _l("Review queue"), REVIEWERS,
            _l("Approve, reject or escalate what advisors and marketing submitted."), 10),
    NavItem("approvals.lexicon", _l("Lexicon"), REVIEWERS,
            _l("Words and phrases screened in every text, with their history."), 20, POLICY),
    NavItem("approvals.links", _l("Link rules"), REVIEWERS,
            _l("Sites that are allowed or denied in posts."), 21, POLICY),
    NavItem("approvals.disclosures", _l("Disclosures"), REVIEWERS,
            _l("Text appended to posts of a network or category."), 22, POLICY),
    NavItem("approvals.reasons", _l("Reason codes"), REVIEWERS,
            _l("The reasons a reviewer can give for a rejection."), 23, POLICY),
    NavItem("approvals.settings", _l("Review target"), REVIEWERS,
            _l("The turnaround target the queue measures items against."), 24, POLICY),
)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"review_kind_labels": KIND_LABELS, "review_status_labels": STATUS_LABELS,
            "review_network_label": network_label}


# --- the queue --------------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int) or None


def _yes_no(name: str) -> bool | None:
    return {"yes": True, "no": False}.get(request.args.get(name, ""))


@bp.get("/")
@roles_required(*REVIEWERS)
def queue() -> str:
    session = get_session()
    form = QueueFilterForm(request.args)
    form.kind.choices = [("", _("Every kind"))] + [(k, v) for k, v in KIND_LABELS.items()]
    form.branch.choices = [("", _("Every branch"))] + [
        (str(b.id), b.name) for b in list_branches(session)]
    form.author.choices = [("", _("Every author"))] + [
        (str(i), name) for i, name in queue_services.queue_authors(session)]
    sort = request.args.get("sort", "oldest")
    filters = queue_services.QueueFilter(
        q=(request.args.get("q") or "").strip()[:100],
        kind=request.args.get("kind") or None, branch_id=_int_arg("branch"),
        author_id=_int_arg("author"), has_findings=_yes_no("findings"),
        escalated=_yes_no("escalated"),
        sort=sort if sort in queue_services.SORTS else "oldest",
    )
    per_page = min(100, max(10, request.args.get("per_page", 25, type=int) or 25))
    page = queue_services.list_queue(session, actor=current_user, filters=filters,
                                     page=page_arg(), per_page=per_page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("approvals/queue.html", page=page, form=form, args=args,
                           settings=rules.get_settings(session),
                           bulk=_bulk_form(), bulk_kinds=queue_services.BULK_KINDS)


def _bulk_form(form: BulkDecisionForm | None = None) -> BulkDecisionForm:
    form = form or BulkDecisionForm()
    form.reason_code.choices = [("", _("Choose a reason"))] + [
        (r.code, r.label_in(str(get_locale())))
        for r in rules.list_reason_codes(get_session())]
    return form


QUEUE_ARGS = frozenset(("q", "kind", "branch", "author", "findings", "escalated", "sort",
                        "per_page", "page"))


def _queue_url(back: str) -> str:
    """The queue again with the filters it was sent from: ``back`` is parsed as a query string
    and only the queue's own arguments are kept, re-encoded (never echoed as given)."""
    args = [(k, v[:100]) for k, v in parse_qsl(back[:2000]) if k in QUEUE_ARGS and v]
    return url_for("approvals.queue") + (f"?{urlencode(args)}" if args else "")


@bp.post("/bulk")
@roles_required(*REVIEWERS)
def bulk_decide() -> Response:
    """One decision with its comment on the library items ticked in the queue."""
    form = _bulk_form(BulkDecisionForm())
    target = _queue_url(request.form.get("back") or "")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(target)
    ids = [int(i) for i in request.form.getlist("review_ids") if i.isdigit()]
    result = None
    with unit_of_work() as work:  # a refusal of the whole batch is flashed
        result = queue_services.decide_many(
            get_session(), actor=current_user, review_ids=ids, decision=form.decision.data,
            reason_code=form.reason_code.data or None, comment=form.comment.data)
    if not work.done or result is None:
        return redirect(target)
    if result.decided:
        flash(ngettext("%(num)d item decided.", "%(num)d items decided.",
                       len(result.decided)), "success")
    for review_id, why in result.refused:
        flash(_("#%(id)d not decided: %(why)s", id=review_id, why=why), "warning")
    return redirect(target)


# --- one item -----------------------------------------------------------------------------------


def _load(review_id: int) -> ReviewRequest:
    try:
        return services.get_review(get_session(), review_id)
    except NotFound:
        abort(404)


def _decision_form(review: ReviewRequest, form: DecisionForm | None = None) -> DecisionForm:
    form = form or DecisionForm(version=str(review.version))
    form.reason_code.choices = [("", _("Choose a reason"))] + [
        (r.code, r.label_in(str(get_locale())))
        for r in rules.list_reason_codes(get_session())]
    return form


def _render_detail(review: ReviewRequest, form: DecisionForm) -> str:
    session = get_session()
    subject = services.subject_for(review.kind)
    subject_type = subject.subject_type if subject else review.kind
    author = session.get(User, review.author_id)
    holder_id = services.claim_holder(review)
    refusal = services.claim_refusal(session, review, current_user) if review.is_open else None
    details = services.details_of(session, review)
    findings = review.findings
    if details is not None and details.replaces_content:
        # The profile is shown once: a finding on its URL is listed once, not per field.
        seen: set[str] = set()
        findings = [f for f in findings
                    if not (finding_message(f) in seen or seen.add(finding_message(f)))]
    return render_template(
        "approvals/detail.html", review=review, form=form, author=author,
        notice=str(refusal) if refusal else None, confirm_form=ConfirmForm(),
        claim_minutes=services.claim_minutes(),
        holder=session.get(User, holder_id) if holder_id else None,
        segments=highlight(review.text, review.findings, "text"),
        link_findings=[f for f in review.findings if f.get("field") == "link"],
        findings=findings, finding_message=finding_message, finding_note=finding_note,
        diff=word_diff(review.base_text, review.text) if review.base_text is not None else None,
        history=services.author_history(session, author_id=review.author_id,
                                        exclude_id=review.id),
        earlier=services.subject_history(session, review),
        decisions=services.decisions_of(session, review.id),
        trail=trail_for(session, review),
        subject_trail=trail_for(session, (subject_type, review.subject_id)),
        reasons=rules.reason_labels(session, str(get_locale())),
        people=_people(session, review),
        can_override=current_user.has_role(Role.SENIOR_COMPLIANCE),
        details=details,
        previews=_previews(review),
    )


def _previews(review: ReviewRequest) -> list[NetworkPreview]:
    """The text on each network it is meant for, as the advisor's composer showed it."""
    if not review.networks or not review.text:
        return []
    return network_previews(list(review.networks), review.text, review.link_url,
                            with_media=bool(review.media_sha256))


def _people(session: Any, review: ReviewRequest) -> dict[int, str]:
    ids = {review.author_id, review.decided_by_id, review.claimed_by_id}
    ids |= {d.actor_id for d in services.decisions_of(session, review.id)}
    ids |= {e.actor_id for e in trail_for(session, review)}
    return _names(session, ids)


@bp.get("/<int:review_id>")
@roles_required(*REVIEWERS)
def detail(review_id: int) -> str:
    """Reading only: who holds the item and until when; "Start review" (a POST) claims it."""
    review = _load(review_id)
    return _render_detail(review, _decision_form(review))


@bp.post("/<int:review_id>/claim")
@roles_required(*REVIEWERS)
def claim(review_id: int) -> Response:
    """"Start review": hold the item for a few minutes while deciding."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _load(review_id)
    with unit_of_work() as work:
        review = services.claim(get_session(), review_id=review_id, actor=current_user)
    if work.done:
        flash(_("You hold this item until %(time)s.",
                time=format_datetime(review.claim_expires_at, "short")), "info")
    return redirect(url_for("approvals.detail", review_id=review_id))


@bp.post("/<int:review_id>/decide")
@roles_required(*REVIEWERS)
def decide(review_id: int) -> str | Response:
    session = get_session()
    review = _load(review_id)
    form = _decision_form(review, DecisionForm())
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.decide(
                session, review_id=review.id, actor=current_user,
                decision=form.decision.data, reason_code=form.reason_code.data or None,
                comment=form.comment.data, justification=form.justification.data,
                expected_version=int(form.version.data) if form.version.data else None,
            )
        if work.done:
            flash(_("Decision recorded: %(status)s.",
                    status=STATUS_LABELS.get(review.status, review.status)), "success")
            return redirect(_next_url(review.id))
        session.refresh(review)  # the page shows the item as it stands now
    return _render_detail(review, form)


def _next_url(done_id: int) -> str:
    """After a decision: the next item this reviewer can take, else the queue."""
    following = queue_services.next_item(get_session(), actor=current_user, after_id=done_id)
    if following is None:
        flash(_("Nothing else is waiting for you."), "info")
        return url_for("approvals.queue")
    return url_for("approvals.detail", review_id=following)


@bp.post("/<int:review_id>/release")
@roles_required(*REVIEWERS)
def release(review_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _load(review_id)
    services.release(get_session(), review_id=review_id, actor=current_user)
    commit()
    flash(_("You released the item; another reviewer can take it."), "info")
    return redirect(url_for("approvals.queue"))


@bp.get("/mine/<int:review_id>")
@login_required
def mine(review_id: int) -> str:
    """The author's view of their own review: status, reason, comment."""
    session = get_session()
    try:
        review = services.get_own_review(session, review_id=review_id, actor=current_user)
    except NotFound:
        abort(404)
    reasons = rules.reason_labels(session, str(get_locale()))
    return render_template("approvals/mine.html", review=review, reasons=reasons,
                           segments=highlight(review.text, review.findings, "text"),
                           findings=review.findings, finding_message=finding_message,
                           finding_note=finding_note)


# --- the policy -------------------------------------------------------------------------------


def _run(form: Any, call: Any, success: str) -> bool:
    """Form → service in a savepoint → commit and flash; errors go onto the form."""
    with unit_of_work(form) as work:
        call(get_session())
    if work.done:
        flash(success, "success")
    return work.done


def _post_action(call: Any, success: str, endpoint: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work(missing_is_404=True) as work:
        call(get_session())
    if work.done:
        flash(success, "success")
    return redirect(url_for(endpoint))


@bp.route("/lexicon", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def lexicon() -> str | Response:
    session = get_session()
    form = TermForm()
    if form.validate_on_submit() and _run(form, lambda s: rules.add_term(
            s, actor=current_user, term=form.term.data, language=form.language.data,
            severity=form.severity.data, note=form.note.data or "",
            note_fr=form.note_fr.data or ""),
            _("Term added: the lexicon has a new version.")):
        return redirect(url_for("approvals.lexicon"))
    q = request.args.get("q", "").strip()[:100]
    page = rules.search_terms(session, q=q, page=page_arg())
    return render_template("approvals/lexicon.html", form=form, q=q, page=page,
                           terms=page.items,
                           version=rules.current_version(session), edit_form=TermEditForm(),
                           confirm_form=ConfirmForm())


@bp.post("/lexicon/<int:term_id>/edit")
@roles_required(*REVIEWERS)
def lexicon_edit(term_id: int) -> Response:
    form = TermEditForm()
    if not form.validate_on_submit():
        abort(400)
    return _post_action(lambda s: rules.update_term(
        s, actor=current_user, term_id=term_id, severity=form.severity.data,
        note=form.note.data or "", note_fr=form.note_fr.data or ""),
        _("Term changed: the lexicon has a new version."),
        "approvals.lexicon")


@bp.post("/lexicon/<int:term_id>/remove")
@roles_required(*REVIEWERS)
def lexicon_remove(term_id: int) -> Response:
    return _post_action(lambda s: rules.remove_term(s, actor=current_user, term_id=term_id),
                        _("Term removed: the lexicon has a new version."), "approvals.lexicon")


@bp.get("/lexicon/history")
@roles_required(*REVIEWERS)
def lexicon_history() -> str:
    session = get_session()
    versions = rules.list_versions(session)
    shown = request.args.get("version", type=int) or (versions[0].id if versions else 0)
    day = request.args.get("date", "")
    if day:
        try:
            end = datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(),
                                   ZoneInfo(current_user.time_zone))
        except ValueError:
            flash(_("Enter a date as YYYY-MM-DD."), "danger")
        else:
            found = rules.version_at(session, end)
            shown = found.id if found else 0
    return render_template("approvals/lexicon_history.html", versions=versions, shown=shown,
                           version_summary=version_summary,
                           terms=rules.terms_at(session, shown), day=day,
                           people=_names(session, {v.created_by_id for v in versions}))


def _names(session: Any, ids: set[int | None]) -> dict[int, str]:
    ids.discard(None)
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.first_name, User.last_name)
                           .where(User.id.in_(ids)))
    return {r[0]: f"{r[1]} {r[2]}" for r in rows}


@bp.route("/links", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def links() -> str | Response:
    form = LinkRuleForm()
    if form.validate_on_submit() and _run(form, lambda s: rules.add_link_rule(
            s, actor=current_user, domain=form.domain.data, kind=form.kind.data,
            note=form.note.data or ""), _("Link rule added.")):
        return redirect(url_for("approvals.links"))
    return render_template("approvals/links.html", form=form,
                           rules=rules.list_link_rules(get_session()),
                           confirm_form=ConfirmForm())


@bp.post("/links/<int:rule_id>/remove")
@roles_required(*REVIEWERS)
def links_remove(rule_id: int) -> Response:
    return _post_action(lambda s: rules.remove_link_rule(s, actor=current_user,
                                                         rule_id=rule_id),
                        _("Link rule removed."), "approvals.links")


@bp.route("/disclosures", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def disclosures() -> str | Response:
    form = DisclosureForm()
    if form.validate_on_submit() and _run(form, lambda s: rules.add_disclosure(
            s, actor=current_user, text=form.text.data, network=form.network.data or None,
            category=form.category.data or None), _("Disclosure added.")):
        return redirect(url_for("approvals.disclosures"))
    return render_template("approvals/disclosures.html", form=form,
                           disclosures=rules.list_disclosures(get_session()),
                           confirm_form=ConfirmForm())


@bp.post("/disclosures/<int:disclosure_id>/remove")
@roles_required(*REVIEWERS)
def disclosures_remove(disclosure_id: int) -> Response:
    return _post_action(lambda s: rules.remove_disclosure(s, actor=current_user,
                                                          disclosure_id=disclosure_id),
                        _("Disclosure removed."), "approvals.disclosures")


@bp.route("/reasons", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def reasons() -> str | Response:
    form = ReasonCodeForm()
    if form.validate_on_submit() and _run(form, lambda s: rules.add_reason_code(
            s, actor=current_user, code=form.code.data, label=form.label.data,
            label_fr=form.label_fr.data), _("Reason added.")):
        return redirect(url_for("approvals.reasons"))
    return render_template("approvals/reasons.html", form=form,
                           reasons=rules.list_reason_codes(get_session(), active_only=False),
                           confirm_form=ConfirmForm())


@bp.post("/reasons/<int:reason_id>/edit")
@roles_required(*REVIEWERS)
def reasons_edit(reason_id: int) -> Response:
    form = ReasonLabelsForm()
    if not form.validate_on_submit():
        flash(_("Enter the label in English and in French."), "danger")
        return redirect(url_for("approvals.reasons"))
    return _post_action(lambda s: rules.update_reason_labels(
        s, actor=current_user, reason_id=reason_id, label=form.label.data,
        label_fr=form.label_fr.data), _("Reason updated."), "approvals.reasons")


@bp.post("/reasons/<int:reason_id>/active")
@roles_required(*REVIEWERS)
def reasons_active(reason_id: int) -> Response:
    active = request.form.get("active") == "1"
    return _post_action(lambda s: rules.set_reason_code_active(
        s, actor=current_user, reason_id=reason_id, active=active),
        _("Reason updated."), "approvals.reasons")


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def settings() -> str | Response:
    session = get_session()
    current = rules.get_settings(session)
    form = SettingsForm(obj=current)
    if form.validate_on_submit() and _run(form, lambda s: rules.update_settings(
            s, actor=current_user, sla_minutes=form.sla_minutes.data,
            sla_business_hours=form.sla_business_hours.data), _("Review target saved.")):
        return redirect(url_for("approvals.settings"))
    return render_template("approvals/settings.html", form=form, current=current)
