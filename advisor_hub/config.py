"""Configuration: defaults here, then ``ADVISOR_HUB_*``/plain environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def defaults(instance_path: str) -> dict[str, Any]:
    database = Path(instance_path) / "advisor_hub.sqlite3"
    return {
        "DATABASE_URL": _env("DATABASE_URL", f"sqlite:///{database}"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ("en", "fr"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
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
        # The local Sandbox network, served by the app under /sandbox (off: SANDBOX_MOUNT=false).
        "SANDBOX_MOUNT": _env("SANDBOX_MOUNT", "true") == "true",
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


def load_secret_key(instance_path: str) -> str:
    """A SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if key := _env("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_token_key(instance_path: str) -> str:
    """Fernet key(s) for OAuth tokens at rest: TOKEN_ENCRYPTION_KEY (comma-separated for
    rotation, first encrypts), else one generated once under instance/ (never committed)."""
    if key := _env("TOKEN_ENCRYPTION_KEY"):
        return key
    path = Path(instance_path) / "token_encryption_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        # Written aside then hard-linked into place: two processes starting at once agree
        # on one key (the loser of the race reads the winner's).
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(Fernet.generate_key().decode("ascii"))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
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
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    if not app.config.get("TOKEN_ENCRYPTION_KEY"):
        app.config["TOKEN_ENCRYPTION_KEY"] = load_token_key(app.instance_path)
