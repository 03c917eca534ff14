"""The one list of what the app is made of: the factory installs ``FEATURES`` in this order.

To find where a page, a command or a job comes from, look here first. Each entry names the
package's blueprint, its CLI commands (``<package>/cli.py``), its periodic jobs
(``<package>/jobs.py``), the review kinds it submits and the decision handler of each, and
the start-up checks of the contracts it relies on, and its navigation entries (the ``NAV``
tuple next to each blueprint). ``advisor_hub.wiring`` checks the whole list before
registering anything.
"""

from __future__ import annotations

from advisor_hub import cli as core_cli
from advisor_hub import sandbox_mount, sso
from advisor_hub.accounts import views as accounts_views
from advisor_hub.accounts.views import bp as accounts_bp
from advisor_hub.archive import cli as archive_cli
from advisor_hub.archive import views as archive_views
from advisor_hub.archive.views import bp as archive_bp
from advisor_hub.audit import views as audit_views
from advisor_hub.audit.views import bp as audit_bp
from advisor_hub.campaigns import authoring as campaign_authoring
from advisor_hub.campaigns import cli as campaigns_cli
from advisor_hub.campaigns import client_events
from advisor_hub.campaigns import jobs as campaigns_jobs
from advisor_hub.campaigns import settings as campaigns_settings
from advisor_hub.campaigns import views as campaigns_views
from advisor_hub.campaigns.enrolment import on_library_item_retired
from advisor_hub.campaigns.models import Campaign
from advisor_hub.campaigns.views import bp as campaigns_bp
from advisor_hub.connectors import jobs as connectors_jobs
from advisor_hub.connectors import views as connectors_views
from advisor_hub.connectors.views import bp as connectors_bp
from advisor_hub.conversations import answers as conversation_answers
from advisor_hub.conversations import jobs as conversations_jobs
from advisor_hub.conversations import replies as conversation_replies
from advisor_hub.conversations import views as conversations_views
from advisor_hub.conversations.models import Reply, ReplyTemplate
from advisor_hub.conversations.views import bp as conversations_bp
from advisor_hub.core_views import bp as core_bp
from advisor_hub.dashboard import views as dashboard_views
from advisor_hub.dashboard.views import bp as dashboard_bp
from advisor_hub.health import views as health_views
from advisor_hub.notifications.views import bp as notifications_bp
from advisor_hub.publishing import cli as publishing_cli
from advisor_hub.publishing import jobs as publishing_jobs
from advisor_hub.publishing import scheduler, upstream
from advisor_hub.publishing import services as publishing_services
from advisor_hub.publishing import views as publishing_views
from advisor_hub.publishing.composer import on_post_decision
from advisor_hub.publishing.linking import on_account_decision
from advisor_hub.publishing.models import LinkedAccount, Post
from advisor_hub.publishing.views import bp as publishing_bp
from advisor_hub.sso import views as sso_views
from advisor_hub.wiring import Feature, SignalHandler
from approvals import cli as approvals_cli
from approvals import jobs as approvals_jobs
from approvals import views as approvals_views
from approvals.services import Subject
from approvals.views import bp as approvals_bp
from content_library import cli as library_cli
from content_library import editors, life_events, review
from content_library import views as library_views
from content_library.attributes import review_details
from content_library.life_events import on_template_decision
from content_library.models import LibraryItemVersion, LifeEventTemplate
from content_library.services import on_item_decision
from content_library.views import bp as library_bp

POST_KIND = "post"
LINKED_ACCOUNT_KIND = "linked_account"

CORE = Feature("core", blueprints=(core_bp,), commands=tuple(core_cli.commands))
ACCOUNTS = Feature("accounts", blueprints=(accounts_bp,), nav=accounts_views.NAV)
# Sign-in with the identity provider and SCIM (its settings are checked at start-up).
SSO = Feature("sso", init_app=sso.init_app, nav=sso_views.NAV)
AUDIT = Feature("audit", blueprints=(audit_bp,), nav=audit_views.NAV)
NOTIFICATIONS = Feature("notifications", blueprints=(notifications_bp,))
LIBRARY = Feature(
    "library", blueprints=(library_bp,), commands=tuple(library_cli.commands),
    nav=library_views.NAV,
    submits=(review.ITEM_KIND, review.TEMPLATE_KIND),
    review_subjects=(
        Subject(review.ITEM_KIND, LibraryItemVersion.__tablename__, on_item_decision,
                review.version_url, review_details, editors=editors.version_editors),
        Subject(review.TEMPLATE_KIND, LifeEventTemplate.__tablename__, on_template_decision,
                review.template_url, editors=editors.template_editors,
                title=life_events.template_titles),
    ),
)
APPROVALS = Feature("approvals", blueprints=(approvals_bp,),
                    commands=tuple(approvals_cli.commands), jobs=approvals_jobs.JOBS,
                    nav=approvals_views.NAV)
PUBLISHING = Feature(
    "publishing", blueprints=(publishing_bp,), commands=tuple(publishing_cli.commands),
    jobs=publishing_jobs.JOBS, submits=(POST_KIND, LINKED_ACCOUNT_KIND),
    nav=publishing_views.NAV,
    review_subjects=(
        Subject(POST_KIND, Post.__tablename__, on_post_decision,
                editors=publishing_services.post_editors, tells_author=True),
        Subject(LINKED_ACCOUNT_KIND, LinkedAccount.__tablename__, on_account_decision,
                describe=publishing_services.account_details,
                editors=publishing_services.account_editors, tells_author=True),
    ),
    checks=(upstream.check_contracts,),
)
# Campaigns and adoption: approved as a whole (kind "campaign"); a retired library item
# cancels its campaign posts (signal sent by content_library); the digest and invitations
# jobs; CAMPAIGN_* settings (advisor_hub.campaigns.settings).
CAMPAIGNS = Feature(
    "campaigns", blueprints=(campaigns_bp,), commands=tuple(campaigns_cli.commands),
    jobs=campaigns_jobs.JOBS, submits=(campaign_authoring.KIND,),
    review_subjects=(
        Subject(campaign_authoring.KIND, Campaign.__tablename__,
                campaign_authoring.on_campaign_decision, campaign_authoring.campaign_url,
                editors=campaign_authoring.campaign_editors),
    ),
    signal_handlers=(SignalHandler("library.item_retired", on_library_item_retired),
                     SignalHandler("publishing.post_composed",
                                   client_events.on_post_composed)),
    init_app=campaigns_settings.init_app, nav=campaigns_views.NAV,
)
ARCHIVE = Feature("archive", blueprints=(archive_bp,), commands=tuple(archive_cli.commands),
                  nav=archive_views.NAV)
DASHBOARD = Feature("dashboard", blueprints=(dashboard_bp,), nav=dashboard_views.NAV)
# Connector health: the networks' rules, app-wide holds, grant reminders (docs/networks.md).
CONNECTORS = Feature("connectors", blueprints=(connectors_bp,), jobs=connectors_jobs.JOBS,
                     nav=connectors_views.NAV)
# /healthz and the scheduler health page.
HEALTH = Feature("health", blueprints=(health_views.bp,), nav=health_views.NAV)
# Clients' comments captured, answered (approved answers, free-form under REPLY_REVIEW_MODE),
# escalated and archived (issue 15).
CONVERSATIONS = Feature(
    "conversations", blueprints=(conversations_bp,), jobs=conversations_jobs.JOBS,
    submits=(conversation_replies.REPLY_KIND, conversation_replies.SAMPLE_KIND,
             conversation_answers.TEMPLATE_KIND),
    review_subjects=(
        Subject(conversation_replies.REPLY_KIND, Reply.__tablename__,
                conversation_replies.on_reply_decision, conversation_replies.reply_url,
                editors=conversation_replies.reply_editors),
        Subject(conversation_replies.SAMPLE_KIND, Reply.__tablename__,
                conversation_replies.on_sample_decision, conversation_replies.reply_url,
                editors=conversation_replies.reply_editors),
        Subject(conversation_answers.TEMPLATE_KIND, ReplyTemplate.__tablename__,
                conversation_answers.on_template_decision, conversation_answers.template_url,
                editors=conversation_answers.template_editors),
    ),
    nav=conversations_views.NAV,
)
# Served under /sandbox unless SANDBOX_MOUNT is false.
SANDBOX = Feature("sandbox", init_app=sandbox_mount.init_app)
# Last: starts the scheduler (SCHEDULER_ENABLED) once every job above is in the job table.
SCHEDULER = Feature("scheduler", init_app=scheduler.init_app)

FEATURES: tuple[Feature, ...] = (
    CORE, ACCOUNTS, SSO, AUDIT, NOTIFICATIONS, LIBRARY, APPROVALS, PUBLISHING, CAMPAIGNS, ARCHIVE,
    DASHBOARD, CONNECTORS, CONVERSATIONS, HEALTH, SANDBOX, SCHEDULER,
)
