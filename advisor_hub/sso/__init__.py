"""Single sign-on with the bank's identity provider (OpenID Connect), provisioning that
follows the directory, and SCIM 2.0 deprovisioning."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Read and check the SSO settings (a wrong one stops the start-up), register the
    sign-in and SCIM blueprints. No network and no database at start-up."""
    from advisor_hub.extensions import csrf
    from advisor_hub.sso import config
    from advisor_hub.sso.scim_views import bp as scim_bp
    from advisor_hub.sso.views import bp
    from advisor_hub.sso.web import SsoState

    app.extensions["sso"] = SsoState.create(config.load(app))
    app.register_blueprint(bp)
    app.register_blueprint(scim_bp)
    csrf.exempt(scim_bp)  # an API authenticated by its bearer token, not a browser form
