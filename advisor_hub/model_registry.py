"""Import every package's models so Base.metadata is complete (Alembic, tests, CLI)."""


def import_all_models() -> None:
    import advisor_hub.accounts.models  # noqa: F401
    import advisor_hub.archive.models  # noqa: F401
    import advisor_hub.audit.models  # noqa: F401
    import advisor_hub.campaigns.models  # noqa: F401
    import advisor_hub.connectors.models  # noqa: F401
    import advisor_hub.conversations.models  # noqa: F401
    import advisor_hub.notifications.models  # noqa: F401
    import advisor_hub.publishing.heartbeat  # noqa: F401
    import advisor_hub.publishing.models  # noqa: F401
    import advisor_hub.sso.models  # noqa: F401
    import approvals.models  # noqa: F401
    import content_library.models  # noqa: F401
