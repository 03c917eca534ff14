"""Flask-Login wiring: loading the user of a session."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from advisor_hub.accounts.models import User
from advisor_hub.db import get_session
from advisor_hub.extensions import login_manager

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    return user if user is not None and user.active else None
