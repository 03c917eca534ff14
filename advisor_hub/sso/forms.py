from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length


class RoleMapForm(FlaskForm):
    role_map = TextAreaField(
        _l("Group-to-role map"), validators=[Length(max=20_000)],
        description=_l("One entry per line: group=role, or group=role+role for several."),
    )
    save = SubmitField(_l("Save the map"))
    reset = SubmitField(_l("Use the environment's map (OIDC_ROLE_MAP)"))
