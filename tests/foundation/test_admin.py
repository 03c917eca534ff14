from __future__ import annotations

import pytest
from sqlalchemy import select

from advisor_hub.accounts import services
from advisor_hub.accounts.models import User
from advisor_hub.audit.models import AuditEvent
from advisor_hub.errors import PermissionDenied, ValidationError


def test_admin_creates_a_user_with_several_roles(client, factory, auth, db_session) -> None:
    admin = factory.user("admin")
    branch = factory.branch("Nantes")
    auth.login(admin)
    response = client.post("/admin/users/new", data={
        "email": "New.Person@Bank.example.com", "first_name": "New", "last_name": "Person",
        "password": "long-enough-pw", "roles": ["advisor", "branch_manager"],
        "branch_id": branch.id, "language": "fr", "time_zone": "Europe/Paris",
    })
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.email == "new.person@bank.example.com"))
    assert user is not None and [str(r) for r in user.roles] == ["advisor", "branch_manager"]
    assert user.branch_id == branch.id and user.language == "fr"
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create",
                                                       AuditEvent.subject_id == str(user.id)))
    assert event.actor_id == admin.id and event.after["roles"] == ["advisor", "branch_manager"]


def test_duplicate_email_gets_a_message_and_changes_nothing(client, factory, auth,
                                                            db_session) -> None:
    admin = factory.user("admin")
    existing = factory.user()
    auth.login(admin)
    before = db_session.scalar(select(User.id).order_by(User.id.desc()))
    response = client.post("/admin/users/new", data={
        "email": existing.email, "first_name": "X", "last_name": "Y",
        "password": "long-enough-pw", "roles": ["advisor"], "branch_id": 0,
        "language": "en", "time_zone": "Europe/Paris",
    })
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert db_session.scalar(select(User.id).order_by(User.id.desc())) == before


def test_admin_edits_roles_and_branch(client, factory, auth, db_session) -> None:
    admin = factory.user("admin")
    user = factory.user("advisor")
    branch = factory.branch()
    auth.login(admin)
    response = client.post(f"/admin/users/{user.id}", data={
        "first_name": "Renamed", "last_name": "User", "roles": ["compliance"],
        "branch_id": branch.id, "language": "en", "time_zone": "America/New_York",
    })
    assert response.status_code == 302
    db_session.expire_all()
    user = db_session.get(User, user.id)
    assert [str(r) for r in user.roles] == ["compliance"] and user.branch_id == branch.id
    assert user.time_zone == "America/New_York"


def test_admin_cannot_deactivate_themself(db_session, factory) -> None:
    admin = factory.user("admin")
    with pytest.raises(ValidationError):
        services.set_user_active(db_session, actor=admin, user_id=admin.id, active=False)


def test_services_check_roles_not_only_views(db_session, factory) -> None:
    advisor = factory.user("advisor")
    with pytest.raises(PermissionDenied):
        services.create_branch(db_session, actor=advisor, name="Sneaky")
    with pytest.raises(PermissionDenied):
        services.set_user_active(db_session, actor=advisor, user_id=advisor.id, active=False)


def test_branch_creation_and_duplicate(client, factory, auth) -> None:
    auth.login(factory.user("admin"))
    assert client.post("/admin/branches", data={"name": "Lille", "city": "Lille"}
                       ).status_code == 302
    page = client.post("/admin/branches", data={"name": "lille"}).get_data(as_text=True)
    assert "already exists" in page


def test_audit_browser_filters_by_action(client, factory, auth) -> None:
    admin = factory.user("admin", email="root@example.com")
    factory.branch("Audited branch")
    auth.login(admin)
    page = client.get("/admin/audit?action=branch.create").get_data(as_text=True)
    assert "branch.create" in page and "user.create</code>" not in page
    page = client.get(f"/admin/audit?user={admin.id}").get_data(as_text=True)
    assert "user.login" in page and "branch.create</code>" not in page


def test_create_user_cli(runner, db_session) -> None:
    result = runner.invoke(args=["create-user", "--email", "cli@example.com", "--role", "advisor",
                                 "--role", "marketing", "--branch", "Toulouse",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    user = services.find_user_by_email(db_session, "cli@example.com")
    assert user is not None and user.branch.name == "Toulouse"
    assert [str(r) for r in user.roles] == ["advisor", "marketing"]
    bad = runner.invoke(args=["create-user", "--email", "x@example.com", "--role", "pilot",
                              "--password", "a-long-password"])
    assert bad.exit_code != 0 and "Unknown role" in bad.output
