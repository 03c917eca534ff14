from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter form changes nothing

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    branch = SelectField(_l("Branch"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Show"))
