from advisor_hub.notifications.models import Notification
from tests.access.matrix import LOGIN, ROLES, Row, everyone, only


def _a_user(session, factory, users):
    return {"user_id": users["advisor"].id}


def _a_notification(session, factory, users):
    notification = Notification(user_id=users["advisor"].id, message="Matrix", params={})
    session.add(notification)
    session.flush()
    return {"notification_id": notification.id}


def _its_reader_only() -> dict[str, int]:
    """The advisor's own notification: anyone else is told it does not exist."""
    return {**{role: 404 for role in ROLES}, "advisor": 302, "anonymous": LOGIN}


# Posts that change something are sent with data the form refuses, so every role meets the
# same state.
ROWS = [
    Row("GET", "/", everyone()),
    Row("GET", "/login", everyone(302, anonymous=200)),
    Row("POST", "/login", everyone(302, anonymous=200), data={"email": "", "password": ""}),
    Row("POST", "/language", everyone(302, anonymous=302), data={"language": "en"}),
    Row("POST", "/logout", everyone(302)),
    Row("GET", "/preferences", everyone()),
    Row("POST", "/preferences", everyone(), data={"language": ""}),
    Row("GET", "/notifications", everyone()),
    Row("POST", "/notifications/{notification_id}/read", _its_reader_only(),
        setup=_a_notification),
    Row("POST", "/notifications/read-all", everyone(302)),
    Row("GET", "/admin/users", only(["admin"])),
    Row("GET", "/admin/users/new", only(["admin"])),
    Row("POST", "/admin/users/new", only(["admin"]), data={"email": ""}),
    Row("GET", "/admin/users/{user_id}", only(["admin"]), setup=_a_user),
    Row("POST", "/admin/users/{user_id}", only(["admin"]), setup=_a_user,
        data={"first_name": ""}),
    Row("POST", "/admin/users/{user_id}/active", only(["admin"], allowed=302), setup=_a_user,
        data={"active": "1"}),
    Row("POST", "/admin/users/{user_id}/password-reset", only(["admin"], allowed=302),
        setup=_a_user),
    Row("GET", "/password/change", everyone()),
    Row("POST", "/password/change", everyone(), data={"current_password": ""}),
    Row("GET", "/password/forgot", everyone(200, anonymous=200)),
    Row("POST", "/password/forgot", everyone(200, anonymous=200), data={"email": ""}),
    # Nobody's link: the same 404 page for everyone, signed in or not.
    Row("GET", "/password/reset/{user_id}/not-a-token", everyone(404, anonymous=404),
        setup=_a_user),
    Row("POST", "/password/reset/{user_id}/not-a-token", everyone(404, anonymous=404),
        setup=_a_user, data={"new_password": ""}),
    Row("GET", "/admin/branches", only(["admin"])),
    Row("POST", "/admin/branches", only(["admin"]), data={"name": ""}),
    Row("GET", "/admin/audit", only(["admin"])),
    Row("GET", "/admin/audit/export.csv", only(["admin"])),
    Row("GET", "/no-such-page", everyone(404, anonymous=404)),
]
