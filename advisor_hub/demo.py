"""Demo data: a bank with two branches and one of each kind of user, printed logins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advisor_hub.accounts import services as accounts
from advisor_hub.accounts.models import User

DEMO_PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    branch: str | None
    language: str = "en"


BRANCHES = (("Lyon Bellecour", "Lyon"), ("Paris Opéra", "Paris"))
USERS = (
    DemoUser("alice.advisor@demo.bank", "Alice", "Martin", ("advisor",), "Lyon Bellecour"),
    DemoUser("bruno.advisor@demo.bank", "Bruno", "Durand", ("advisor",), "Lyon Bellecour", "fr"),
    DemoUser("chloe.advisor@demo.bank", "Chloé", "Petit", ("advisor",), "Lyon Bellecour", "fr"),
    DemoUser("david.advisor@demo.bank", "David", "Moreau", ("advisor",), "Paris Opéra"),
    DemoUser("emma.advisor@demo.bank", "Emma", "Laurent", ("advisor",), "Paris Opéra", "fr"),
    DemoUser("marc.marketing@demo.bank", "Marc", "Lefèvre", ("marketing",), None),
    DemoUser("claire.compliance@demo.bank", "Claire", "Bernard", ("compliance",), None),
    DemoUser("louis.legal@demo.bank", "Louis", "Garnier",
             ("compliance", "senior_compliance"), None, "fr"),
    DemoUser("bea.manager@demo.bank", "Béatrice", "Leroy", ("branch_manager",),
             "Lyon Bellecour"),
    DemoUser("ada.admin@demo.bank", "Ada", "Roux", ("admin",), None),
)


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count(User.id)))


def seed_demo(session: Session) -> list[DemoUser]:
    """Create the demo bank; the CLI is the actor (None) as it runs with operator rights."""
    branches = {
        name: accounts.find_branch_by_name(session, name)
        or accounts.create_branch(session, actor=None, name=name, city=city)
        for name, city in BRANCHES
    }
    for demo in USERS:
        if accounts.find_user_by_email(session, demo.email) is None:
            accounts.create_user(
                session, actor=None, email=demo.email, first_name=demo.first_name,
                last_name=demo.last_name, password=DEMO_PASSWORD, roles=demo.roles,
                branch_id=branches[demo.branch].id if demo.branch else None,
                language=demo.language,
            )
    # Each package adds its own demo content once the users exist, in dependency order.
    import advisor_hub.publishing.demo
    import approvals.demo
    import content_library.demo

    for package in (approvals.demo, content_library.demo, advisor_hub.publishing.demo):
        package.seed(session)
    return list(USERS)
