"""Forms of the compliance screens (field checks only; the rules live in the services)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from advisor_hub.i18n import LANGUAGE_LABELS
from approvals.models import DecisionKind, LinkKind, ReviewStatus, Verdict

KIND_LABELS = {
    "library_item": _l("Library item"),
    "life_event_template": _l("Life-event template"),
    "post": _l("Post"),
    "linked_account": _l("Linked account"),
    "campaign": _l("Campaign"),
    "reply": _l("Reply to a client"),
    "reply_sample": _l("Reply sent (sampled)"),
    "reply_template": _l("Approved answer"),
}
# Labels of review statuses and of the decision log's entries (DecisionKind shares the
# status values, plus APPROVED_FROM_LIBRARY).
STATUS_LABELS: dict[str, LazyString] = {
    ReviewStatus.PENDING: _l("Pending"),
    ReviewStatus.ESCALATED: _l("Escalated"),
    ReviewStatus.APPROVED: _l("Approved"),
    ReviewStatus.REJECTED: _l("Rejected"),
    ReviewStatus.CHANGES_REQUESTED: _l("Changes requested"),
    ReviewStatus.EXPIRED: _l("Expired"),
    ReviewStatus.WITHDRAWN: _l("Withdrawn"),
    DecisionKind.APPROVED_FROM_LIBRARY: _l("Approved (unedited library content)"),
}
LINK_KIND_LABELS: dict[str, LazyString] = {LinkKind.ALLOW.value: _l("Allow"),
                                           LinkKind.DENY.value: _l("Deny")}
DECISION_CHOICES = [
    (Verdict.APPROVE.value, _l("Approve")),
    (Verdict.REJECT.value, _l("Reject")),
    (Verdict.REQUEST_CHANGES.value, _l("Request changes")),
    (Verdict.ESCALATE.value, _l("Escalate to a senior reviewer")),
]
LANGUAGE_CHOICES = [("any", _l("Any language")), *LANGUAGE_LABELS.items()]
SEVERITY_CHOICES = [("block", _l("Block")), ("flag", _l("Flag"))]
NETWORK_CHOICES = [("", _l("Every network")), ("linkedin", "LinkedIn"),
                   ("facebook", "Facebook"), ("x", "X"), ("sandbox", "Sandbox")]


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES,
                          validators=[InputRequired(_l("Choose a decision."))])
    reason_code = SelectField(_l("Reason (for a rejection)"), choices=[],
                              validate_choice=False)
    comment = TextAreaField(_l("Comment or note to the author / senior reviewer"),
                            validators=[Length(max=4000)])
    justification = TextAreaField(_l("Override justification (senior reviewer, blocking "
                                     "findings)"), validators=[Length(max=4000)])
    version = HiddenField()
    submit = SubmitField(_l("Record the decision"))


class ConfirmForm(FlaskForm):
    """CSRF only: for buttons that post."""


class TermForm(FlaskForm):
    term = StringField(_l("Word or phrase"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="any")
    severity = SelectField(_l("Severity"), choices=SEVERITY_CHOICES, default="flag")
    note = StringField(_l("Note for advisors and reviewers (English)"),
                       validators=[Length(max=500)])
    note_fr = StringField(_l("Note for advisors and reviewers (French)"),
                          validators=[Length(max=500)])
    submit = SubmitField(_l("Add to the lexicon"))


class TermEditForm(FlaskForm):
    severity = SelectField(_l("Severity"), choices=SEVERITY_CHOICES)
    note = StringField(_l("Note (English)"), validators=[Length(max=500)])
    note_fr = StringField(_l("Note (French)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save"))


class LinkRuleForm(FlaskForm):
    domain = StringField(_l("Domain"), validators=[DataRequired(), Length(max=253)])
    kind = SelectField(_l("Rule"), choices=list(LINK_KIND_LABELS.items()))
    note = StringField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Add the rule"))


class DisclosureForm(FlaskForm):
    text = TextAreaField(_l("Text appended to the post"),
                         validators=[DataRequired(), Length(max=1000)])
    network = SelectField(_l("Network"), choices=NETWORK_CHOICES, validate_choice=False)
    category = StringField(_l("Category (campaign); empty for every category"),
                           validators=[Length(max=120)])
    submit = SubmitField(_l("Add the disclosure"))


class ReasonLabelsForm(FlaskForm):
    label = StringField(_l("Label (English)"), validators=[DataRequired(), Length(max=200)])
    label_fr = StringField(_l("Label (French)"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Save"))


class ReasonCodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    label = StringField(_l("Label (English)"), validators=[DataRequired(), Length(max=200)])
    label_fr = StringField(_l("Label (French)"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Add the reason"))


class SettingsForm(FlaskForm):
    sla_minutes = IntegerField(_l("Target turnaround (minutes)"),
                               validators=[InputRequired(), NumberRange(min=1, max=43200)])
    sla_business_hours = BooleanField(_l("Count business hours only"))
    submit = SubmitField(_l("Save"))


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)],
                    render_kw={"type": "search"})
    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=False)
    branch = SelectField(_l("Branch"), validators=[Optional()], validate_choice=False)
    author = SelectField(_l("Author"), validators=[Optional()], validate_choice=False)
    findings = SelectField(_l("Findings"), validate_choice=False, choices=[
        ("", _l("Any")), ("yes", _l("With findings")), ("no", _l("Without findings"))])
    escalated = SelectField(_l("Level"), validate_choice=False, choices=[
        ("", _l("Any")), ("yes", _l("Escalated")), ("no", _l("First level"))])
    sort = SelectField(_l("Order"), validate_choice=False, choices=[
        ("oldest", _l("Oldest first")), ("newest", _l("Newest first")),
        ("findings", _l("Most findings first"))])


class BulkDecisionForm(FlaskForm):
    """One decision, with its comment, for several library items of the queue."""

    review_ids = StringField(validators=[Optional()])  # many values: read with getlist
    decision = SelectField(_l("Decision for the chosen items"), choices=DECISION_CHOICES,
                           validators=[InputRequired(_l("Choose a decision."))])
    reason_code = SelectField(_l("Reason (for a rejection)"), choices=[],
                              validate_choice=False)
    comment = TextAreaField(_l("Comment to the authors"), validators=[Length(max=4000)],
                            render_kw={"rows": 2})
    submit = SubmitField(_l("Decide on the chosen items"))
