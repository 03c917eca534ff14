"""gunicorn reads this file from the directory it starts in (the checkout's root).

Before any worker is forked, the master checks that the portal can start (configuration,
folders, database reachable, every migration applied) and prints one line and exits 1 if not;
OAuth codes and states are redacted from the access log (advisor_hub.startup).
"""

from advisor_hub.startup import gunicorn_on_starting as on_starting  # noqa: F401
