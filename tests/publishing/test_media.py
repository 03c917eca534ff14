"""media_for_post: the approved image's bytes, or a refusal, never another image."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from advisor_hub.networks import Media
from advisor_hub.publishing.media import MediaUnavailable, media_for_post
from advisor_hub.publishing.models import Post
from content_library.images import store_image
from content_library.models import LibraryItem, LibraryItemVersion, Status
from tests.publishing.conftest import oauth_link, sandbox_adapter


def png(color: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def make_post(db_session: Session, factory: Any, folder: Path) -> Any:
    curator, advisor = factory.user("marketing"), factory.user("advisor")

    def make(*, image: bool = True, media_sha256: str | None = "stored") -> Post:
        stored = store_image(png(), folder=str(folder), max_bytes=10**6,
                             max_pixels_side=8000) if image else None
        item = LibraryItem(created_by_id=curator.id)
        version = LibraryItemVersion(
            item=item, title="Savings week", text="Save early", status=Status.APPROVED,
            created_by_id=curator.id, image_name=stored.name if stored else None,
            image_sha256=stored.sha256 if stored else None,
        )
        db_session.add_all([item, version])
        db_session.flush()
        if media_sha256 == "stored":
            media_sha256 = stored.sha256 if stored else None
        post = Post(author_id=advisor.id, source="library", library_version_id=version.id,
                    text="Save early", media_sha256=media_sha256)
        db_session.add(post)
        db_session.flush()
        return post

    return make


def image_file(db_session: Session, folder: Path, post: Post) -> Path:
    version = db_session.get(LibraryItemVersion, post.library_version_id)
    return folder / version.image_name


def test_a_post_without_media_has_none(db_session, make_post, folder):
    post = make_post(image=False)
    assert media_for_post(db_session, post, upload_folder=str(folder)) is None


def test_the_approved_image_is_loaded_with_its_bytes_and_type(db_session, make_post, folder):
    post = make_post()
    media = media_for_post(db_session, post, upload_folder=str(folder))
    assert isinstance(media, Media)
    assert media.data == image_file(db_session, folder, post).read_bytes()
    assert media.sha256 == post.media_sha256
    assert media.mime_type == "image/png" and media.filename.endswith(".png")


def test_a_missing_file_is_refused(db_session, make_post, folder):
    post = make_post()
    image_file(db_session, folder, post).unlink()
    with pytest.raises(MediaUnavailable, match="missing"):
        media_for_post(db_session, post, upload_folder=str(folder))


def test_a_file_whose_bytes_changed_is_refused(db_session, make_post, folder):
    post = make_post()
    image_file(db_session, folder, post).write_bytes(png(color=(200, 0, 0)))
    with pytest.raises(MediaUnavailable, match="has changed") as info:
        media_for_post(db_session, post, upload_folder=str(folder))
    assert post.media_sha256[:12] in info.value.reason


def test_an_image_other_than_the_approved_one_is_refused(db_session, make_post, folder):
    post = make_post(media_sha256="0" * 64)  # approved with another image than the version's
    with pytest.raises(MediaUnavailable, match="not the approved one"):
        media_for_post(db_session, post, upload_folder=str(folder))


def test_a_version_without_image_or_a_post_without_version_is_refused(db_session, make_post,
                                                                       folder):
    post = make_post(image=False, media_sha256="0" * 64)
    with pytest.raises(MediaUnavailable, match="has no image"):
        media_for_post(db_session, post, upload_folder=str(folder))
    post.library_version_id = None
    with pytest.raises(MediaUnavailable, match="no library version"):
        media_for_post(db_session, post, upload_folder=str(folder))
    post.library_version_id = 10**9
    with pytest.raises(MediaUnavailable, match="no longer exists"):
        media_for_post(db_session, post, upload_folder=str(folder))


def test_the_loaded_image_reaches_the_sandbox_as_approved(db_session, make_post, folder,
                                                          sandbox):
    post = make_post()
    profile, tokens = oauth_link(sandbox.url)
    media = media_for_post(db_session, post, upload_folder=str(folder))
    result = sandbox_adapter(sandbox.url).publish(
        tokens, profile.accounts[0].external_id, post.text, None, "k-media", media=media)
    stored = sandbox.state.get_post(result.post_id)
    assert (stored.image_sha256, stored.image_size) == (post.media_sha256, len(media.data))
