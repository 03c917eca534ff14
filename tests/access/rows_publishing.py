"""Publishing routes: advisors only (their own accounts and posts)."""

from advisor_hub.publishing.models import LinkedAccount, Post
from tests.access.matrix import Row, only

ADVISOR = ["advisor"]


def _account(session, factory, users):
    account = LinkedAccount(user_id=users["advisor"].id, network="sandbox", external_id="sb-1",
                            display_name="Matrix", status="active")
    session.add(account)
    session.flush()
    return {"account_id": account.id}


def _post(session, factory, users):
    post = Post(author_id=users["advisor"].id, source="free_form", text="Hello", body="Hello",
                account_ids=[], state="draft")
    session.add(post)
    session.flush()
    return {"post_id": post.id}


# Posts that change something are sent with data the form refuses, so every role meets the
# same state.
ROWS = [
    Row("GET", "/publishing/accounts", only(ADVISOR)),
    Row("GET", "/publishing/accounts/link/sandbox", only(ADVISOR, allowed=302)),
    Row("GET", "/publishing/accounts/callback/sandbox", only(ADVISOR, allowed=302)),
    Row("GET", "/publishing/accounts/facebook/pages", only(ADVISOR, allowed=302)),
    # No Facebook authorisation pending in the session: back to the accounts page.
    Row("POST", "/publishing/accounts/facebook/pages", only(ADVISOR, allowed=302),
        data={"page_id": "1"}),
    Row("POST", "/publishing/accounts/{account_id}/unlink", only(ADVISOR, allowed=302),
        setup=_account),
    Row("GET", "/publishing/compose", only(ADVISOR)),
    Row("POST", "/publishing/compose", only(ADVISOR), data={"text": ""}),
    # The life-event page's "Publish" button: the composer filled in, nothing saved.
    Row("POST", "/publishing/compose", only(ADVISOR),
        data={"prefill": "1", "client_first_name": "Ann"}),
    Row("GET", "/publishing/compose/preview", only(ADVISOR)),
    Row("GET", "/publishing/compose/screen", only(ADVISOR)),
    Row("GET", "/publishing/posts", only(ADVISOR)),
    Row("GET", "/publishing/posts/{post_id}", only(ADVISOR), setup=_post),
    Row("GET", "/publishing/posts/{post_id}/status", only(ADVISOR), setup=_post),
    Row("GET", "/publishing/posts/{post_id}/reschedule", only(ADVISOR), setup=_post),
    Row("POST", "/publishing/posts/{post_id}/reschedule", only(ADVISOR), setup=_post,
        data={"when_mode": "later", "when": ""}),
    Row("GET", "/publishing/posts/{post_id}/edit", only(ADVISOR), setup=_post),
    Row("POST", "/publishing/posts/{post_id}/edit", only(ADVISOR), setup=_post,
        data={"text": "", "when_mode": "later", "when": ""}),
    Row("POST", "/publishing/posts/{post_id}/cancel", only(ADVISOR, allowed=302), setup=_post),
]
