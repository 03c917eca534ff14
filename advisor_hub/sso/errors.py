"""Why a single sign-on, a provisioning change or a SCIM request was refused."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from advisor_hub.errors import DomainError


class SignInFailed(DomainError):
    """The identity provider's answer could not be trusted; nobody is signed in."""

    default_message = _l("Single sign-on failed: please try again.")


class ProviderUnavailable(SignInFailed):
    default_message = _l("The identity provider cannot be reached or answered wrongly: "
                         "please try again later.")


class InsecureProvider(SignInFailed):
    default_message = _l("The identity provider is not served over https: single sign-on "
                         "is refused.")


class InvalidIdToken(SignInFailed):
    default_message = _l("The identity provider's answer failed its security checks: "
                         "nobody was signed in.")


class NoMappedRole(DomainError):
    default_message = _l("Your account at the identity provider is in no group that gives "
                         "access to Advisor Hub: ask your administrator for access.")


class AccountDeactivated(DomainError):
    default_message = _l("This account is deactivated: ask your administrator.")


class IdentityConflict(DomainError):
    default_message = _l("This e-mail address already belongs to another account: ask your "
                         "administrator to link it.")


class LocalPasswordsOff(DomainError):
    default_message = _l("Passwords are turned off here: sign in with single sign-on.")


class InvalidRoleMap(DomainError):
    default_message = _l("The group-to-role map is not valid.")
