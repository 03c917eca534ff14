"""Single sign-on and SCIM routes (with the test defaults: no provider, no SCIM token)."""

from tests.access.matrix import Row, everyone, only

ROWS = [
    Row("GET", "/sso/login", everyone(404, anonymous=404)),  # no OIDC_ISSUER: no such page
    Row("GET", "/sso/callback", everyone(404, anonymous=404)),
    Row("GET", "/sso/signed-out", everyone(302, anonymous=302)),
    Row("GET", "/admin/sso", only(["admin"])),
    Row("POST", "/admin/sso", only(["admin"], allowed=302),
        data={"role_map": "advisors=advisor", "save": "1"}),
    Row("GET", "/scim/v2/Users", everyone(404, anonymous=404)),  # no SCIM_TOKEN: SCIM is off
    Row("POST", "/scim/v2/Users", everyone(404, anonymous=404)),
]

ROWS += [
    Row(method, "/scim/v2/Users/1", everyone(404, anonymous=404))
    for method in ("GET", "PUT", "PATCH", "DELETE")
] + [Row("GET", "/scim/v2/ServiceProviderConfig", everyone(404, anonymous=404))]
