"""Demo content for this package, added by `flask seed-demo` after the demo users exist."""

from sqlalchemy.orm import Session


def seed(session: Session) -> None:
    """Nothing of this package's own to seed yet."""
