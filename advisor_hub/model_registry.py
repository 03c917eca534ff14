"""Import every package's models so Base.metadata is complete (Alembic, tests, CLI)."""


def import_all_models() -> None:
    import advisor_hub.accounts.models
    import advisor_hub.archive.models
    import advisor_hub.audit.models
    import advisor_hub.campaigns.models
    import advisor_hub.connectors.models
    import advisor_hub.conversations.models
    import advisor_hub.notifications.models
    import advisor_hub.publishing.heartbeat
    import advisor_hub.publishing.models
    import advisor_hub.sso.models  # noqa: F401
    import approvals.models  # noqa: F401
    import content_library.models  # noqa: F401
