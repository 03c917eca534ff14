"""Campaign forms: field validators only (the rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    goal = TextAreaField(_l("Goal"), validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 3})
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])
    time_mode = RadioField(_l("Times"), choices=[
        ("advisor", _l("In each advisor's time zone")),
        ("firm", _l("In one time zone for everyone"))], default="advisor")
    time_zone = SelectField(_l("Time zone (for everyone)"), default="Europe/Paris")
    branch_ids = MultiCheckboxField(_l("Branches (none: every branch)"), coerce=int)
    roles = MultiCheckboxField(_l("Roles besides advisor (none: every advisor)"))
    languages = MultiCheckboxField(_l("Languages (none: every language)"))
    submit = SubmitField(_l("Save"))


class StepForm(FlaskForm):
    version_id = SelectField(_l("Approved library post"), coerce=int,
                             validators=[InputRequired()])
    day = IntegerField(_l("Day of the campaign"), default=1,
                       validators=[InputRequired(), NumberRange(min=1, max=366)])
    send_time = StringField(_l("Time (HH:MM)"), default="09:00",
                            validators=[InputRequired(), Regexp(r"^\d{2}:\d{2}$")],
                            render_kw={"type": "time"})
    submit = SubmitField(_l("Add"))


class AccountsForm(FlaskForm):
    account_ids = MultiCheckboxField(_l("Accounts"), coerce=int)
    submit = SubmitField(_l("Opt in"))


class ClientEventForm(FlaskForm):
    # The service applies the personalisation rule (a plain name, at most 40 characters).
    client_first_name = StringField(_l("Client's first name"),
                                    validators=[InputRequired(), Length(max=40)])
    event_type_id = SelectField(_l("Event"), coerce=int, validators=[InputRequired()])
    event_date = DateField(_l("Date"), validators=[InputRequired()])
    submit = SubmitField(_l("Add"))


class PreferencesForm(FlaskForm):
    digest = BooleanField(_l("Send me the weekly digest by e-mail"))
    submit = SubmitField(_l("Save"))
