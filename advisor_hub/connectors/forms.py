"""Forms of the connections and Operations pages (field validators only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional


class OperationsFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter form changes nothing

    network = SelectField(_l("Network"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("State"), validators=[Optional()], validate_choice=False)
    branch = SelectField(_l("Branch"), coerce=int, validators=[Optional()],
                         validate_choice=False)
    submit = SubmitField(_l("Filter"))


class XPricingForm(FlaskForm):
    price_post = DecimalField(_l("Price per post (USD)"), places=3,
                              validators=[InputRequired(), NumberRange(min=0)])
    price_post_with_link = DecimalField(_l("Price per post with a link (USD)"), places=3,
                                        validators=[InputRequired(), NumberRange(min=0)])
    monthly_cap = DecimalField(_l("Monthly cap (USD, empty: none)"), places=2,
                               validators=[Optional(), NumberRange(min=0)])
    submit = SubmitField(_l("Save prices"))
