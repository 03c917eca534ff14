from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from advisor_hub.dates import DateRangeForm


class ArchiveSearchForm(DateRangeForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Words"), validators=[Optional(), Length(max=200)])
    advisor = SelectField(_l("Advisor"), coerce=int, validators=[Optional()])
    branch = SelectField(_l("Branch"), coerce=int, validators=[Optional()])
    network = SelectField(_l("Network"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()], choices=[
        ("", _l("Every kind")), ("publication", _l("Publications")),
        ("decision", _l("Decisions")), ("comment", _l("Clients' comments")),
        ("reply", _l("Replies")),
    ])
    submit = SubmitField(_l("Search"))


class HoldForm(DateRangeForm):
    advisor = SelectField(_l("Advisor"), coerce=int, validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Place the hold"))


class ConfirmForm(FlaskForm):
    """An empty form: CSRF protection for one-click actions."""
