from tests.access.matrix import Row, everyone, only


def _a_user(session, factory, users):  # noqa: ANN001, ANN202
    return {"user_id": users["advisor"].id}


ROWS = [
    Row("GET", "/", everyone()),
    Row("GET", "/healthz", everyone(200, anonymous=200)),
    Row("GET", "/login", everyone(302, anonymous=200)),
    Row("POST", "/logout", everyone(302)),
    Row("GET", "/preferences", everyone()),
    Row("GET", "/notifications", everyone()),
    Row("GET", "/admin/users", only(["admin"])),
    Row("GET", "/admin/users/new", only(["admin"])),
    Row("GET", "/admin/users/{user_id}", only(["admin"]), setup=_a_user),
    Row("POST", "/admin/users/{user_id}/active", only(["admin"], allowed=302), setup=_a_user,
        data={"active": "1"}),
    Row("GET", "/admin/branches", only(["admin"])),
    Row("GET", "/admin/audit", only(["admin"])),
    Row("GET", "/no-such-page", everyone(404, anonymous=404)),
]
