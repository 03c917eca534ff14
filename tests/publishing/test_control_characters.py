"""Post texts with control characters are refused by the composer service."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from advisor_hub.publishing.models import Post
from advisor_hub.text import UnsafeText
from tests.publishing.helpers import free_post


@pytest.mark.parametrize("text", ["Guaran\x00teed returns", "Hi\x07there", "x\x9fy"])
def test_control_characters_in_a_post_are_refused(db_session, fakes, link, advisor, text):
    account = link(advisor)
    before = db_session.scalar(select(func.count(Post.id)))
    with pytest.raises(UnsafeText) as refused:
        free_post(db_session, advisor, [account], text)
    assert refused.value.field == "text"
    assert db_session.scalar(select(func.count(Post.id))) == before


def test_tabs_and_line_breaks_are_text(db_session, fakes, link, advisor):
    post = free_post(db_session, advisor, [link(advisor)], "Line one\r\n\tLine two")
    assert post.body == "Line one\n\tLine two"
