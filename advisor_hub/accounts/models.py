from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advisor_hub.db import Base, utcnow
from advisor_hub.roles import Role


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    city: Mapped[str] = mapped_column(String(120), default="")
    # The directory's identifier of the branch (a cost-centre or branch code, or the
    # identity provider's external id): matched before the name at single sign-on. Stored
    # as written; compared without case.
    code: Mapped[str | None] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Branch {self.name}>"


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))


class User(UserMixin, Base):
    __tablename__ = "users"
    # One account per identity at an identity provider (OpenID Connect ``iss`` + ``sub``).
    __table_args__ = (UniqueConstraint("idp_issuer", "idp_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    language: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Stored in the session at login and compared on every request: bumping it ends every
    # session of the user at once (logout, deactivation, role change, the directory's changes).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by an administrator: the next login leads to the password change form, nowhere else.
    password_reset_required: Mapped[bool] = mapped_column(default=False,
                                                          server_default=false())
    idp_issuer: Mapped[str | None] = mapped_column(String(255))
    idp_subject: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    branch: Mapped[Branch | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=UserRole.role
    )

    @property
    def roles(self) -> list[Role]:
        return sorted(Role(r.role) for r in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.role_rows)

    def has_any_role(self, roles: Iterable[Role]) -> bool:
        wanted = {str(r) for r in roles}
        return any(r.role in wanted for r in self.role_rows)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class PasswordResetToken(Base):
    """A password reset link sent by e-mail: single use, expiring. Only the SHA-256 of the
    token is stored, so a copy of the database resets nobody's password."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
