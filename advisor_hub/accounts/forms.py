from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from advisor_hub.accounts.services import MIN_PASSWORD_LENGTH
from advisor_hub.i18n import LANGUAGE_NAMES
from advisor_hub.roles import ROLE_LABELS

LANGUAGE_CHOICES = list(LANGUAGE_NAMES.items())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Log in"))


def role_choices() -> list[tuple[str, str]]:
    return [(str(role), str(label)) for role, label in ROLE_LABELS.items()]


class UserFormBase(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    roles = MultiCheckboxField(_l("Roles"),
                               validators=[DataRequired(_l("Choose at least one role."))])
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[Optional()])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    time_zone = SelectField(_l("Time zone"))


class UserCreateForm(UserFormBase):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Create user"))


class UserEditForm(UserFormBase):
    submit = SubmitField(_l("Save changes"))


class ConfirmForm(FlaskForm):
    """An empty form: the CSRF token behind a confirmed action."""

    submit = SubmitField(_l("Confirm"))


class BranchForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    code = StringField(_l("Directory code"), validators=[Optional(), Length(max=60)],
                       description=_l("The branch's code or external id as the identity "
                                      "provider sends it (single sign-on)."))
    submit = SubmitField(_l("Create branch"))


class PreferencesForm(FlaskForm):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    time_zone = SelectField(_l("Time zone"))
    submit = SubmitField(_l("Save"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", _l("The two new passwords differ."))])
    submit = SubmitField(_l("Change password"))


class PasswordForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class PasswordResetForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", _l("The two new passwords differ."))])
    submit = SubmitField(_l("Set the new password"))
