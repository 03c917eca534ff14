from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional

from advisor_hub.dates import DateRangeForm

MAX_DAYS = 366
TOO_LONG = _l("Choose a period of at most a year.")


class PeriodForm(DateRangeForm):
    class Meta:
        csrf = False  # a GET filter form changes nothing

    branch = SelectField(_l("Branch"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Show"))

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        first, last = self.date_from.data, self.date_to.data
        if first is not None and last is not None and (last - first).days >= MAX_DAYS:
            self.date_to.errors = [*self.date_to.errors, str(TOO_LONG)]
            return False
        return True
