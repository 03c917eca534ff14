"""Conversations screens: the advisor's inbox and a comment's thread (reply in one click, reply
in one's own words, hide, escalate), compliance's escalations and complaints register,
marketing's approved answers, and the response metrics. Thin views.

Sending a reply and hiding a comment call the network: they run after the unit of work has
committed (``delivery`` owns its transactions), never inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from advisor_hub.accounts.forms import ConfirmForm
from advisor_hub.accounts.services import branch_names, user_names
from advisor_hub.conversations import services, settings
from advisor_hub.conversations.forms import (
    AnswerForm,
    AnswerTemplateForm,
    CloseForm,
    ComplaintForm,
    EscalateForm,
    FreeReplyForm,
    NoteForm,
    TemplateReplyForm,
)
from advisor_hub.conversations.models import ReplyState
from advisor_hub.dashboard.services import Period, dashboard_scope
from advisor_hub.dates import day_start
from advisor_hub.db import get_session, utcnow
from advisor_hub.errors import DomainError, NotFound, PermissionDenied
from advisor_hub.navigation import NavItem
from advisor_hub.networks import NetworkError, network_label
from advisor_hub.roles import Role
from advisor_hub.security import roles_required
from advisor_hub.web import page_arg, unit_of_work

bp = Blueprint("conversations", __name__, template_folder="templates", cli_group=None)
T = TypeVar("T")
HANDLERS = (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)
METRICS_ROLES = (Role.BRANCH_MANAGER, Role.MARKETING, Role.COMPLIANCE, Role.ADMIN)


def _inbox_badge() -> int:
    if not current_user.is_authenticated or not current_user.has_role(Role.ADVISOR):
        return 0
    return services.unread_count(get_session(), current_user.id)


NAV = (
    NavItem("conversations.inbox", _l("Comments"), (Role.ADVISOR,),
            _l("Clients' comments on your posts: answer, hide or escalate them."), 22,
            badge=_inbox_badge),
    NavItem("conversations.escalations", _l("Escalated comments"), HANDLERS,
            _l("Clients' comments advisors passed on, with their response-time target."),
            36),
    NavItem("conversations.answers", _l("Approved answers"), (Role.MARKETING,),
            _l("Answers to recurring questions advisors send in one click."), 45),
)


def _found(load: Callable[[], T]) -> T:
    """Load-and-authorise: another person's object (or none) is a 404."""
    try:
        return load()
    except NotFound:
        abort(404)


def _config() -> Any:
    return current_app.config


# --- the advisor's inbox -----------------------------------------------------------------


@bp.get("/conversations/")
@roles_required(Role.ADVISOR)
def inbox() -> str:
    unread_only = request.args.get("unread") == "1"
    page = services.inbox(get_session(), advisor=current_user, page=page_arg(),
                          unread_only=unread_only)
    return render_template("conversations/inbox.html", page=page, unread_only=unread_only,
                           networks=services.capture_status(_config()), form=ConfirmForm(),
                           network_label=network_label)


@bp.post("/conversations/read-all")
@roles_required(Role.ADVISOR)
def read_all() -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work():
            services.mark_all_read(get_session(), actor=current_user)
    return redirect(url_for(".inbox"))


def _thread_page(comment_id: int, *, free_form: FreeReplyForm | None = None,
                 escalate_form: EscalateForm | None = None) -> str:
    session = get_session()
    with unit_of_work(missing_is_404=True):
        services.mark_read(session, actor=current_user, comment_id=comment_id)
    thread = _found(lambda: services.thread(session, actor=current_user,
                                            comment_id=comment_id))
    return render_template(
        "conversations/thread.html", thread=thread, template_form=TemplateReplyForm(),
        free_form=free_form or FreeReplyForm(), escalate_form=escalate_form or EscalateForm(),
        complaint_form=ComplaintForm(), confirm=ConfirmForm(), network_label=network_label,
        review_mode=settings.review_mode(_config()), ReplyState=ReplyState)


@bp.get("/conversations/comments/<int:comment_id>")
@roles_required(Role.ADVISOR)
def comment(comment_id: int) -> str:
    return _thread_page(comment_id)


def _send(reply_id: int, state: ReplyState) -> None:
    """Send a reply that may go out now, and say what became of it."""
    if state != ReplyState.QUEUED:
        flash(_("Your reply is with compliance: it goes out once approved."), "info")
        return
    reply = services.deliver_reply(get_session(), reply_id, config=_config())
    if reply is not None and reply.state == ReplyState.SENT:
        flash(_("Reply sent."), "success")
    elif reply is not None and reply.state == ReplyState.FAILED:
        flash(_("The reply could not be sent: %(error)s", error=reply.error or ""), "danger")
    else:
        flash(_("The network is busy: the reply will be sent in a moment."), "warning")


@bp.post("/conversations/comments/<int:comment_id>/reply-template")
@roles_required(Role.ADVISOR)
def reply_template(comment_id: int) -> Response:
    form = TemplateReplyForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            reply = services.reply_with_template(
                get_session(), actor=current_user, comment_id=comment_id,
                template_id=form.template_id.data)
        if work.done:
            _send(reply.id, reply.state)
    return redirect(url_for(".comment", comment_id=comment_id))


@bp.post("/conversations/comments/<int:comment_id>/reply")
@roles_required(Role.ADVISOR)
def reply_free(comment_id: int) -> Response | str:
    form = FreeReplyForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            reply = services.reply_free_form(get_session(), actor=current_user,
                                             comment_id=comment_id, text=form.text.data,
                                             config=_config())
        if work.done:
            _send(reply.id, reply.state)
            return redirect(url_for(".comment", comment_id=comment_id))
    return _thread_page(comment_id, free_form=form)


@bp.post("/conversations/comments/<int:comment_id>/hide")
@roles_required(Role.ADVISOR)
def hide(comment_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        try:
            services.hide_comment(get_session(), actor=current_user, comment_id=comment_id,
                                  config=_config())
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(str(error), "danger")
        except NetworkError as error:
            get_session().rollback()
            flash(_("The network refused to hide it: %(error)s", error=error.message), "danger")
        else:
            flash(_("Comment hidden: only its author still sees it."), "success")
    return redirect(url_for(".comment", comment_id=comment_id))


@bp.post("/conversations/comments/<int:comment_id>/escalate")
@roles_required(Role.ADVISOR)
def escalate(comment_id: int) -> Response | str:
    form = EscalateForm()
    if form.validate_on_submit():
        with unit_of_work(form, missing_is_404=True) as work:
            services.escalate(get_session(), actor=current_user, comment_id=comment_id,
                              reason=form.reason.data, note=form.note.data, config=_config())
        if work.done:
            flash(_("Escalated: compliance has it."), "success")
            return redirect(url_for(".comment", comment_id=comment_id))
    return _thread_page(comment_id, escalate_form=form)


@bp.post("/conversations/comments/<int:comment_id>/complaint")
@roles_required(Role.ADVISOR, *HANDLERS)
def complaint(comment_id: int) -> Response:
    form = ComplaintForm()
    if form.validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            services.tag_complaint(get_session(), actor=current_user, comment_id=comment_id,
                                   complaint=form.complaint.data == "1")
        if work.done:
            flash(_("Saved."), "success")
    if not current_user.has_role(Role.ADVISOR):
        return redirect(url_for(".complaints"))
    return redirect(url_for(".comment", comment_id=comment_id))


@bp.get("/conversations/replies/<int:reply_id>")
@roles_required(Role.ADVISOR, *HANDLERS)
def reply(reply_id: int) -> Response | str:
    found = _found(lambda: services.get_reply(get_session(), actor=current_user,
                                              reply_id=reply_id))
    if found.author_id == current_user.id and found.comment.advisor_id == current_user.id:
        return redirect(url_for(".comment", comment_id=found.comment_id))
    return render_template("conversations/reply.html", reply=found,
                           network_label=network_label)


# --- compliance: escalations and complaints ------------------------------------------------


@bp.get("/conversations/escalations/")
@roles_required(*HANDLERS)
def escalations() -> str:
    open_only = request.args.get("all") != "1"
    rows = services.list_escalations(get_session(), actor=current_user, open_only=open_only)
    return render_template("conversations/escalations.html", rows=rows, open_only=open_only)


def _escalation_page(escalation_id: int, **forms: Any) -> str:
    escalation = _found(lambda: services.get_escalation(get_session(), actor=current_user,
                                                        escalation_id=escalation_id))
    row = next((r for r in services.list_escalations(get_session(), actor=current_user,
                                                     open_only=False)
                if r.escalation.id == escalation.id), None) \
        if current_user.has_any_role(HANDLERS) else None
    return render_template(
        "conversations/escalation.html", escalation=escalation, row=row,
        note_form=forms.get("note_form") or NoteForm(),
        answer_form=forms.get("answer_form") or AnswerForm(),
        close_form=forms.get("close_form") or CloseForm(), confirm=ConfirmForm(),
        handler=current_user.has_any_role(HANDLERS), network_label=network_label)


@bp.get("/conversations/escalations/<int:escalation_id>")
@roles_required(Role.ADVISOR, *HANDLERS)
def escalation(escalation_id: int) -> str:
    return _escalation_page(escalation_id)


@bp.post("/conversations/escalations/<int:escalation_id>/take")
@roles_required(*HANDLERS)
def take(escalation_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            services.take(get_session(), actor=current_user, escalation_id=escalation_id)
        if work.done:
            flash(_("It is yours now."), "success")
    return redirect(url_for(".escalation", escalation_id=escalation_id))


@bp.post("/conversations/escalations/<int:escalation_id>/legal")
@roles_required(*HANDLERS)
def to_legal(escalation_id: int) -> Response | str:
    form = NoteForm()
    if form.validate_on_submit():
        with unit_of_work(form, missing_is_404=True) as work:
            services.pass_to_legal(get_session(), actor=current_user,
                                   escalation_id=escalation_id, note=form.note.data,
                                   config=_config())
        if work.done:
            flash(_("Passed to the senior / legal reviewer."), "success")
            return redirect(url_for(".escalation", escalation_id=escalation_id))
    return _escalation_page(escalation_id, note_form=form)


@bp.post("/conversations/escalations/<int:escalation_id>/answer")
@roles_required(*HANDLERS)
def answer(escalation_id: int) -> Response | str:
    form = AnswerForm()
    if form.validate_on_submit():
        with unit_of_work(form, missing_is_404=True) as work:
            sent = services.answer(get_session(), actor=current_user,
                                   escalation_id=escalation_id, text=form.text.data)
        if work.done:
            _send(sent.id, sent.state)
            return redirect(url_for(".escalation", escalation_id=escalation_id))
    return _escalation_page(escalation_id, answer_form=form)


@bp.post("/conversations/escalations/<int:escalation_id>/close")
@roles_required(*HANDLERS)
def close(escalation_id: int) -> Response | str:
    form = CloseForm()
    if form.validate_on_submit():
        with unit_of_work(form, missing_is_404=True) as work:
            services.close_without_answer(get_session(), actor=current_user,
                                          escalation_id=escalation_id,
                                          decision=form.decision.data)
        if work.done:
            flash(_("Closed: the decision not to answer is recorded."), "success")
            return redirect(url_for(".escalation", escalation_id=escalation_id))
    return _escalation_page(escalation_id, close_form=form)


@bp.get("/conversations/complaints")
@roles_required(*HANDLERS)
def complaints() -> str:
    return render_template("conversations/complaints.html",
                           comments=services.complaints(get_session(), actor=current_user),
                           form=ComplaintForm(), network_label=network_label)


# --- marketing: approved answers ------------------------------------------------------------


def _when(day: date | None) -> datetime | None:
    return day_start(day, current_user.time_zone) if day else None


def _template_values(form: AnswerTemplateForm) -> dict[str, Any]:
    return {"title": form.title.data, "text": form.text.data, "language": form.language.data,
            "private_contact": bool(form.private_contact.data),
            "available_from": _when(form.available_from.data),
            "expires_at": _when(form.expires_at.data)}


@bp.get("/conversations/answers/")
@roles_required(Role.MARKETING, *HANDLERS)
def answers() -> str:
    return render_template("conversations/answers.html",
                           templates=services.list_templates(get_session(), actor=current_user),
                           confirm=ConfirmForm(), now=utcnow())


@bp.route("/conversations/answers/new", methods=["GET", "POST"])
@roles_required(Role.MARKETING)
def new_answer() -> Response | str:
    form = AnswerTemplateForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            template = services.create_template(get_session(), actor=current_user,
                                                **_template_values(form))
        if work.done:
            flash(_("Draft saved: send it for review when it is ready."), "success")
            return redirect(url_for(".edit_answer", template_id=template.id))
    return render_template("conversations/answer_form.html", form=form, template=None,
                           versions=[], confirm=ConfirmForm())


@bp.route("/conversations/answers/<int:template_id>", methods=["GET", "POST"])
@roles_required(Role.MARKETING, *HANDLERS)
def edit_answer(template_id: int) -> Response | str:
    session = get_session()
    template = _found(lambda: services.get_template(session, template_id))
    form = AnswerTemplateForm(obj=template if request.method == "GET" else None)
    if request.method == "GET":
        form.available_from.data = template.available_from.date() \
            if template.available_from else None
        form.expires_at.data = template.expires_at.date() if template.expires_at else None
    if request.method == "POST":
        if not current_user.has_role(Role.MARKETING):
            abort(403)
        if form.validate_on_submit():
            with unit_of_work(form) as work:
                saved = services.edit_template(session, actor=current_user,
                                               template_id=template_id,
                                               **_template_values(form))
            if work.done:
                flash(_("Saved."), "success")
                return redirect(url_for(".edit_answer", template_id=saved.id))
    versions = services.lineage(session, template.lineage_id or template.id)
    return render_template("conversations/answer_form.html", form=form, template=template,
                           versions=versions, confirm=ConfirmForm())


@bp.post("/conversations/answers/<int:template_id>/submit")
@roles_required(Role.MARKETING)
def submit_answer(template_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            services.submit_template(get_session(), actor=current_user,
                                     template_id=template_id)
        if work.done:
            flash(_("Sent to compliance for review."), "success")
    return redirect(url_for(".edit_answer", template_id=template_id))


@bp.post("/conversations/answers/<int:template_id>/retire")
@roles_required(Role.MARKETING)
def retire_answer(template_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            services.retire_template(get_session(), actor=current_user,
                                     template_id=template_id)
        if work.done:
            flash(_("Retired: advisors no longer see it."), "success")
    return redirect(url_for(".answers"))


# --- response metrics ---------------------------------------------------------------------------


@bp.get("/conversations/metrics")
@roles_required(*METRICS_ROLES)
def metrics() -> str:
    days = max(1, min(366, request.args.get("days", 30, type=int) or 30))
    try:
        scope = dashboard_scope(current_user, request.args.get("branch", type=int))
    except PermissionDenied:
        abort(403)
    period = Period.last_days(days, today=utcnow().date(), time_zone=current_user.time_zone)
    session = get_session()
    figures = services.response_metrics(session, period.start, period.end, scope.branch_id)
    return render_template(
        "conversations/metrics.html", figures=figures, days=days, scope=scope,
        branches=branch_names(session, [r.key for r in figures.by_branch if r.key]),
        advisors=user_names(session, [r.key for r in figures.by_advisor if r.key]))
