"""Composer and post action forms: field validators only (rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WhenMixin:
    """Now or at a date. A submission must say which (a missing choice never means "now");
    the pages pre-select the post's current intent (``views._when_defaults``)."""

    when_mode = RadioField(_l("When"), choices=[("now", _l("Publish now")),
                                                ("later", _l("At a date and time"))],
                           default="now", validators=[InputRequired()])
    when = DateTimeLocalField(_l("Date and time (your time zone)"), format=DATETIME_FORMATS,
                              validators=[Optional()], render_kw={"step": "1"})


class ComposeForm(WhenMixin, FlaskForm):
    version_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    template_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    # The library refuses anything but a plain name of at most 40 characters (the query
    # string ``?client_first_name=`` meets the same check in the service).
    client_first_name = StringField(_l("Client's first name"),
                                    validators=[Optional(), Length(max=40)])
    text = TextAreaField(_l("Text"), validators=[InputRequired(), Length(max=10_000)],
                         render_kw={"rows": 8})
    link_url = StringField(_l("Link"), validators=[Optional(), URL(), Length(max=2000)])
    account_ids = MultiCheckboxField(_l("Accounts"), coerce=int,
                                     validators=[InputRequired(_l("Choose at least one "
                                                                  "account."))])
    submit = SubmitField(_l("Publish"))


class RescheduleForm(WhenMixin, FlaskForm):
    submit = SubmitField(_l("Reschedule"))


class EditForm(WhenMixin, FlaskForm):
    text = TextAreaField(_l("Text"), validators=[InputRequired(), Length(max=10_000)],
                         render_kw={"rows": 8})
    link_url = StringField(_l("Link"), validators=[Optional(), URL(), Length(max=2000)])
    submit = SubmitField(_l("Send for review"))


class PageChoiceForm(FlaskForm):
    page_id = SelectField(_l("Facebook Page"), validators=[InputRequired()])
    submit = SubmitField(_l("Link this Page"))
