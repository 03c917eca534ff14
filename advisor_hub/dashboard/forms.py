from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional

from advisor_hub.dates import DateRangeForm

MAX_DAYS = 366
TOO_LONG = _l("Choose a period of at most a year.")


class PeriodForm(DateRangeForm):
    class Meta:
        csrf = False  # a GET filter form changes nothing

    max_days = MAX_DAYS
    too_long = TOO_LONG

    branch = SelectField(_l("Branch"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Show"))
