"""Signals one package sends and others react to (blinker, which Flask depends on).

Declare a signal here (``namespace.signal("library.version_retired")``), send it from the
owning package's service, and connect handlers through a feature's ``signal_handlers`` in
``advisor_hub.features``: the factory connects them at start-up and refuses to start when a
feature listens to a signal that is not declared here. Decisions on reviews do not go through
a signal: approvals calls the one handler each review kind registers (``approvals.services.
register_subject``), and the factory refuses to start when a submitted kind has no handler.
"""

from __future__ import annotations

from blinker import Namespace

namespace = Namespace()

# content_library.curation.retire_item, in the retiring transaction:
# ``send(session, item_id=int, version_ids=list[int], actor=User)``. Handlers flush only.
library_item_retired = namespace.signal("library.item_retired")

# advisor_hub.publishing.composer.compose_post, in the composing transaction, once the post
# exists (approved and scheduled, or sent to review):
# ``send(session, post=Post, client_first_name=str | None)``. Handlers flush only.
post_composed = namespace.signal("publishing.post_composed")
