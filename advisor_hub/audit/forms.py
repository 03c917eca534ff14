from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional

from advisor_hub.dates import DateRangeForm


class AuditFilterForm(DateRangeForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    user = SelectField(_l("User"), coerce=int, validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
