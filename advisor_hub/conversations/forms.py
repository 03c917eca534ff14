"""Forms of the conversations screens (field checks only; the rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from advisor_hub.conversations.models import EscalationReason
from advisor_hub.i18n import LANGUAGE_LABELS

REASON_CHOICES = [(r.value, r.label) for r in EscalationReason]


class TemplateReplyForm(FlaskForm):
    template_id = IntegerField(validators=[InputRequired()])


class FreeReplyForm(FlaskForm):
    text = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=8000)])
    submit = SubmitField(_l("Send the reply"))


class EscalateForm(FlaskForm):
    reason = SelectField(_l("Why"), choices=REASON_CHOICES, validators=[InputRequired()])
    note = TextAreaField(_l("Note for compliance"), validators=[DataRequired(),
                                                                 Length(max=4000)])
    submit = SubmitField(_l("Escalate to compliance"))


class ComplaintForm(FlaskForm):
    complaint = HiddenField(validators=[InputRequired()])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note for the senior / legal reviewer"),
                         validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Pass to senior / legal"))


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Answer sent from the advisor's account"),
                         validators=[DataRequired(), Length(max=8000)])
    submit = SubmitField(_l("Send the answer"))


class CloseForm(FlaskForm):
    decision = TextAreaField(_l("Why no answer is given"),
                             validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Close without answering"))


class AnswerTemplateForm(FlaskForm):
    title = StringField(_l("Question it answers"), validators=[DataRequired(),
                                                                Length(max=200)])
    text = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=1000)],
                         description=_l("Placeholders: {advisor_first_name}, "
                                        "{advisor_last_name}, {branch_name}, {branch_city}."))
    language = SelectField(_l("Language"), choices=list(LANGUAGE_LABELS.items()))
    private_contact = BooleanField(_l("Offer it when a client posts sensitive data "
                                      "(“please contact us privately”)"))
    available_from = DateField(_l("Valid from"), validators=[Optional()])
    expires_at = DateField(_l("Valid until (excluded)"), validators=[Optional()])
    submit = SubmitField(_l("Save the draft"))
