"""The image a post sends: its library version's file, refused unless it is the approved one.

The approval's content hash covers the image's SHA-256 (``post.media_sha256``), so the
dispatcher must send exactly those bytes or nothing: a missing file or different bytes raise
``MediaUnavailable`` instead of letting a post go out without its image or with another one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from advisor_hub.content_hash import file_sha256
from advisor_hub.errors import NotFound
from advisor_hub.networks import Media
from advisor_hub.publishing import upstream
from advisor_hub.publishing.models import Post


class MediaUnavailable(Exception):
    """The post's approved image cannot be sent as approved; ``reason`` says why (English,
    for logs and the row's last error)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def media_for_post(session: Session, post: Post, *, upload_folder: str) -> Media | None:
    """The image to send with ``post``: None when it has none (no ``media_sha256``).

    ``upload_folder`` is the app's ``UPLOAD_FOLDER`` (where the content library stores
    images); it is passed in because dispatch threads run without an app context. Raises
    ``MediaUnavailable`` when the post's library version, its image or the file is gone, or
    when the file's SHA-256 is not ``post.media_sha256``.
    """
    expected = post.media_sha256
    if not expected:
        return None
    if post.library_version_id is None:
        raise MediaUnavailable(f"post {post.id} has an image but no library version to take "
                               "it from")
    try:
        image = upstream.library_image(session, version_id=post.library_version_id,
                                       upload_folder=upload_folder)
    except NotFound:
        raise MediaUnavailable(
            f"library version {post.library_version_id} of post {post.id} no longer exists"
        ) from None
    if image is None:
        raise MediaUnavailable(
            f"library version {post.library_version_id} of post {post.id} has no image")
    if image.sha256 and image.sha256 != expected:
        raise MediaUnavailable(
            f"the image of library version {post.library_version_id} ({image.sha256[:12]}) "
            f"is not the approved one ({expected[:12]})")
    if image.path is None:
        raise MediaUnavailable(f"image file {image.name} of post {post.id} is missing")
    try:
        data = image.path.read_bytes()
    except OSError as error:
        raise MediaUnavailable(f"image file {image.name} of post {post.id} cannot be read: "
                               f"{error}") from error
    actual = file_sha256(data)
    if actual != expected:
        raise MediaUnavailable(
            f"image file {image.name} of post {post.id} has changed: sha256 {actual[:12]}, "
            f"approved {expected[:12]}")
    return Media.from_bytes(data, filename=image.name)
