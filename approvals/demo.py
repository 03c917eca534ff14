"""Demo content for this package, added by `flask seed-demo` after the demo users exist.

The starter lexicon, the reason codes and the review target come with the migration (every
installation has them); the demo adds a disclosure and link rules to show those screens.
"""

from sqlalchemy.orm import Session

from advisor_hub.accounts.services import find_user_by_email
from approvals.disclosures import add_disclosure
from approvals.lexicon_admin import add_link_rule, seed_starter_lexicon
from approvals.models import LinkKind
from approvals.settings import seed_reason_codes


def seed(session: Session) -> None:
    claire = find_user_by_email(session, "claire.compliance@demo.bank")
    if claire is None:
        return
    seed_starter_lexicon(session)  # a no-op when the migration already did it
    seed_reason_codes(session)
    add_link_rule(session, actor=claire, domain="demo.bank", kind=LinkKind.ALLOW,
                  note="The bank's own site")
    add_link_rule(session, actor=claire, domain="casino.example", kind=LinkKind.DENY,
                  note="Gambling")
    add_disclosure(session, actor=claire, text="#PUB", network=None, category="promotion")
