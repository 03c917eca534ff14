"""Configuration: defaults here, then ``ADVISOR_HUB_*``/plain environment variables.

Development mode is ``ADVISOR_HUB_ENV=development`` (``make run`` sets it), ``FLASK_DEBUG``
(``app.debug``) or ``TESTING``. Anything else is production, which fails closed at start-up
(:func:`refuse_unsafe_production`): explicit keys shared by every node, no Sandbox, secure
cookies. Development keeps generated keys under instance/ and mounts the Sandbox.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from advisor_hub.errors import StartupError


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def _env_flag(name: str) -> bool | None:
    value = _env(name)
    return None if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _env_list(name: str) -> list[str] | None:
    value = _env(name)
    return None if value is None else [part.strip() for part in value.split(",") if part.strip()]


def instance_path() -> str:
    """instance/ of the checkout, or ADVISOR_HUB_INSTANCE_PATH (a writable folder)."""
    from advisor_hub import ROOT

    return _env("ADVISOR_HUB_INSTANCE_PATH") or str(ROOT / "instance")


def is_development(app: Flask) -> bool:
    """Development or tests: ADVISOR_HUB_ENV=development, FLASK_DEBUG, or TESTING."""
    return bool(app.debug or app.testing
                or str(app.config.get("ENV", "")).strip().lower() == "development")


def defaults(instance_path: str) -> dict[str, Any]:
    database = Path(instance_path) / "advisor_hub.sqlite3"
    return {
        # "development" (ADVISOR_HUB_ENV) for `make run`; anything else is production.
        "ENV": _env("ADVISOR_HUB_ENV", "production"),
        "DATABASE_URL": _env("DATABASE_URL", f"sqlite:///{database}"),
        # Host names the portal answers to (comma-separated TRUSTED_HOSTS; ".bank.example"
        # matches subdomains); any other Host header gets 400. None: any host (development).
        "TRUSTED_HOSTS": _env_list("TRUSTED_HOSTS"),
        # Strict-Transport-Security on responses served over https.
        "HSTS_MAX_AGE": int(_env("HSTS_MAX_AGE", "31536000") or 31536000),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # WTForms' own messages ("This field is required.") in the reader's language:
        # Flask-WTF loads wtforms/locale/<lang>/wtforms.mo for Flask-Babel's locale.
        "WTF_I18N_ENABLED": True,
        "UPLOAD_FOLDER": str(Path(instance_path) / "uploads"),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Content library images: bytes and pixels per side (ADVISOR_HUB_LIBRARY_MAX_IMAGE_*).
        "LIBRARY_MAX_IMAGE_BYTES": 5 * 1024 * 1024,
        "LIBRARY_MAX_IMAGE_SIDE": 8000,
        # Background dispatch; `make run` turns it on, tests leave it off.
        "SCHEDULER_ENABLED": _env("SCHEDULER_ENABLED", "false") == "true",
        # Archive: how long records are kept before `archive-purge` may remove them.
        "ARCHIVE_RETENTION_YEARS": int(_env("ARCHIVE_RETENTION_YEARS", "7") or 7),
        # Publishing: dispatch cadence, concurrency, claim lease, retries (publishing package).
        "SCHEDULER_INTERVAL_SECONDS": float(_env("SCHEDULER_INTERVAL_SECONDS", "2") or 2),
        "DISPATCH_WORKERS": int(_env("DISPATCH_WORKERS", "8") or 8),
        "DISPATCH_BATCH_SIZE": int(_env("DISPATCH_BATCH_SIZE", "100") or 100),
        "DISPATCH_LEASE_SECONDS": int(_env("DISPATCH_LEASE_SECONDS", "120") or 120),
        "DISPATCH_MAX_ATTEMPTS": int(_env("DISPATCH_MAX_ATTEMPTS", "6") or 6),
        "DISPATCH_BACKOFF_SECONDS": float(_env("DISPATCH_BACKOFF_SECONDS", "30") or 30),
        # The local Sandbox network, served by the app under /sandbox: by default only in
        # development (None here, resolved by configure()); production refuses it.
        "SANDBOX_MOUNT": _env_flag("SANDBOX_MOUNT"),
        "MAIL_SERVER": _env("MAIL_SERVER"),
        "MAIL_PORT": int(_env("MAIL_PORT", "25") or 25),
        "MAIL_USE_TLS": _env("MAIL_USE_TLS", "false") == "true",
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": _env("MAIL_DEFAULT_SENDER", "advisor-hub@localhost"),
        # approvals: items pending (and approvals unused) this long expire; claim length;
        # business hours for the turnaround target.
        "REVIEW_EXPIRY_DAYS": int(_env("REVIEW_EXPIRY_DAYS", "90") or 90),
        "REVIEW_CLAIM_MINUTES": int(_env("REVIEW_CLAIM_MINUTES", "15") or 15),
        "REVIEW_BUSINESS_TIMEZONE": _env("REVIEW_BUSINESS_TIMEZONE", "Europe/Paris"),
        "REVIEW_BUSINESS_HOURS": _env("REVIEW_BUSINESS_HOURS", "09:00-17:00"),
        # conversations: free-form replies reviewed before ("pre") or sampled after ("post");
        # X replies are billed per read (off); LinkedIn comments are partner-only (off).
        "REPLY_REVIEW_MODE": _env("REPLY_REVIEW_MODE", "pre"),
        "REPLY_SAMPLE_RATE": float(_env("REPLY_SAMPLE_RATE", "0.1") or 0.1),
        "X_CAPTURE_REPLIES": _env("X_CAPTURE_REPLIES", "false") == "true",
        "LINKEDIN_CAPTURE_COMMENTS": _env("LINKEDIN_CAPTURE_COMMENTS", "false") == "true",
    }


NETWORK_SETTINGS = ("CLIENT_ID", "CLIENT_SECRET", "AUTH_URL", "TOKEN_URL", "API_BASE",
                    "REVOKE_URL", "API_VERSION", "CONNECT_TIMEOUT", "READ_TIMEOUT",
                    "REJECTS_DUPLICATES")


def network_settings() -> dict[str, str]:
    """Network app credentials and endpoints from plain environment variables, e.g.
    LINKEDIN_CLIENT_ID, X_CLIENT_SECRET, SANDBOX_API_BASE (read by the network adapters)."""
    found = {}
    for network in ("LINKEDIN", "FACEBOOK", "X", "SANDBOX"):
        for key in NETWORK_SETTINGS:
            if value := _env(f"{network}_{key}"):
                found[f"{network}_{key}"] = value
    return found


def _create_private_once(path: Path, make_value: Callable[[], str]) -> None:
    """Write ``path`` (mode 0600 from its creation) unless it exists. Written aside then
    hard-linked into place: two processes starting at once agree on one value (the loser of
    the race reads the winner's)."""
    if path.exists():
        return
    ensure_writable_folder(path.parent, "the instance folder",
                           "or set SECRET_KEY and TOKEN_ENCRYPTION_KEY")
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make_value())
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def ensure_writable_folder(folder: Path, what: str, alternative: str = "") -> None:
    """Create ``folder`` if needed and prove it writable, else a one-line StartupError."""
    probe = folder / f".write-test.{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.touch()
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        hint = f"create it writable by this user{' ' + alternative if alternative else ''}"
        raise StartupError(f"Cannot write to {what} {folder} ({reason}): {hint}.") from None


def load_secret_key(instance_path: str) -> str:
    """A SECRET_KEY from the environment, else (development) one generated once and kept
    under instance/ (mode 0600)."""
    if key := _env("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    _create_private_once(path, lambda: secrets.token_urlsafe(48))
    return path.read_text().strip()


def load_token_key(instance_path: str) -> str:
    """Fernet key(s) for OAuth tokens at rest: TOKEN_ENCRYPTION_KEY (comma-separated for
    rotation, first encrypts), else (development) one generated once under instance/ (mode
    0600, never committed)."""
    if key := _env("TOKEN_ENCRYPTION_KEY"):
        return key
    from cryptography.fernet import Fernet

    path = Path(instance_path) / "token_encryption_key"
    _create_private_once(path, lambda: Fernet.generate_key().decode("ascii"))
    return path.read_text().strip()


GENERATE_FERNET_KEY = ("python -c 'from cryptography.fernet import Fernet; "
                       "print(Fernet.generate_key().decode())'")


def check_database_url(url: object) -> None:
    """A DATABASE_URL SQLAlchemy can parse and whose driver is installed."""
    from sqlalchemy.engine import make_url

    hint = ("set DATABASE_URL like postgresql+psycopg://user@host/dbname "
            "or sqlite:////absolute/path/advisor_hub.sqlite3")
    try:
        parsed = make_url(str(url))
    except Exception:  # ArgumentError, ValueError: never echo it (it may hold a password)
        raise StartupError(f"DATABASE_URL is not a database URL: {hint}.") from None
    shown = parsed.render_as_string(hide_password=True)
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as error:
        raise StartupError(f"DATABASE_URL {shown}: its driver is not installed ({error.name}): "
                           f"pip install it, or {hint}.") from None
    except Exception as error:  # NoSuchModuleError: an unknown database kind
        reason = " ".join(str(error).split())
        raise StartupError(f"DATABASE_URL {shown} is not usable ({reason}): {hint}.") from None


def check_token_key(value: str) -> None:
    from cryptography.fernet import Fernet

    try:
        for key in value.split(","):
            Fernet(key.strip())
    except (ValueError, TypeError):
        raise StartupError("TOKEN_ENCRYPTION_KEY is not a valid Fernet key: set it to the "
                           f"output of {GENERATE_FERNET_KEY}.") from None


def refuse_unsafe_production(config: dict[str, Any]) -> None:
    """Production fails closed: each unsafe or missing setting is a one-line StartupError."""
    development = "or set ADVISOR_HUB_ENV=development for a local demo"
    if not (config.get("SECRET_KEY") or _env("SECRET_KEY")):
        raise StartupError("SECRET_KEY is not set: set SECRET_KEY to a long random value, the "
                           f"same on every web node ({development}).")
    if not (config.get("TOKEN_ENCRYPTION_KEY") or _env("TOKEN_ENCRYPTION_KEY")):
        raise StartupError("TOKEN_ENCRYPTION_KEY is not set: set it to the output of "
                           f"{GENERATE_FERNET_KEY}, the same on every node ({development}).")
    if config.get("SANDBOX_MOUNT"):
        raise StartupError("SANDBOX_MOUNT is on outside development (the Sandbox is a test "
                           f"network with a built-in secret): set SANDBOX_MOUNT=false "
                           f"({development}).")
    if not config.get("SESSION_COOKIE_SECURE") or not config.get("REMEMBER_COOKIE_SECURE"):
        raise StartupError("SESSION_COOKIE_SECURE is off outside development: serve over https "
                           "and unset ADVISOR_HUB_SESSION_COOKIE_SECURE "
                           f"({development}).")


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_mapping(network_settings())
    # Secure cookies unless debugging; the local demo (`make run`, plain http) turns this off
    # with ADVISOR_HUB_SESSION_COOKIE_SECURE=false.
    app.config["SESSION_COOKIE_SECURE"] = not app.debug
    app.config["REMEMBER_COOKIE_SECURE"] = not app.debug
    app.config.from_prefixed_env("ADVISOR_HUB")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    if test_config:
        app.config.from_mapping(test_config)
    development = is_development(app)
    if app.config.get("SANDBOX_MOUNT") is None:
        app.config["SANDBOX_MOUNT"] = development
    check_database_url(app.config["DATABASE_URL"])
    if not development:
        refuse_unsafe_production(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    if not app.config.get("TOKEN_ENCRYPTION_KEY"):
        app.config["TOKEN_ENCRYPTION_KEY"] = load_token_key(app.instance_path)
    check_token_key(app.config["TOKEN_ENCRYPTION_KEY"])
