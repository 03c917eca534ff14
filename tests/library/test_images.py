"""Images: checked by content, size-capped, dimension-checked, re-encoded, served with access
checks."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from advisor_hub.errors import ValidationError
from content_library import services
from content_library.images import store_image
from content_library.models import Status


def _png(width: int = 40, height: int = 30, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, fmt)
    return out.getvalue()


def test_a_valid_image_is_reencoded_under_a_random_name(tmp_path: Path) -> None:
    data = _png() + b"<?php evil(); ?>"  # trailing junk is dropped by re-encoding
    stored = store_image(data, folder=str(tmp_path), max_bytes=10**6, max_pixels_side=8000)
    assert stored.name.endswith(".png") and len(stored.name) == 36
    assert (stored.width, stored.height) == (40, 30)
    assert b"evil" not in (tmp_path / stored.name).read_bytes()


@pytest.mark.parametrize("fmt,ext", [("JPEG", "jpg"), ("WEBP", "webp")])
def test_jpeg_and_webp(tmp_path: Path, fmt: str, ext: str) -> None:
    stored = store_image(_png(fmt=fmt), folder=str(tmp_path), max_bytes=10**6,
                         max_pixels_side=8000)
    assert stored.name.endswith(ext)


@pytest.mark.parametrize("data,message", [
    (b"GIF89a not really", "not a valid"),
    (b"%PDF-1.4 pretending.png", "not a valid"),
    (b"", "not a valid"),
    (_png()[:60], "not a valid"),
])
def test_not_an_image_is_refused(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        store_image(data, folder=str(tmp_path), max_bytes=10**6, max_pixels_side=8000)
    assert raised.value.field == "image"
    assert not list(tmp_path.iterdir())


def test_gif_is_refused_even_when_valid(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="Only PNG"):
        store_image(_png(fmt="GIF"), folder=str(tmp_path), max_bytes=10**6,
                    max_pixels_side=8000)


def test_too_large_and_too_big(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="larger than"):
        store_image(_png(), folder=str(tmp_path), max_bytes=10, max_pixels_side=8000)
    with pytest.raises(ValidationError, match="at most 20"):
        store_image(_png(40, 30), folder=str(tmp_path), max_bytes=10**6, max_pixels_side=20)


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    # A tiny file declaring a huge canvas (IHDR patched, CRC recomputed).
    png = bytearray(_png(10, 10))
    png[16:24] = struct.pack(">II", 100_000, 100_000)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    bomb = bytes(png)
    with pytest.raises(ValidationError):
        store_image(bomb, folder=str(tmp_path), max_bytes=10**8, max_pixels_side=8000)


def test_item_image_is_served_only_to_those_who_may_see_it(app, client, db_session, library,
                                                          factory, auth) -> None:
    lyon, paris = factory.branch("Lyon"), factory.branch("Paris")
    upload = services.ImageUpload(data=_png(), folder=app.config["UPLOAD_FOLDER"])
    version = services.create_item(db_session, actor=library.curator, image=upload,
                                   fields=services.ItemFields(
                                       title="Pic", text="With a picture",
                                       networks=["linkedin"], audience_all=False,
                                       branch_ids=[lyon.id]))
    assert version.image_sha256 and version.image_url == f"/library/media/{version.image_name}"
    alice = factory.user("advisor", branch=lyon)
    david = factory.user("advisor", branch=paris)
    db_session.flush()
    url = version.image_url
    auth.login(library.curator)
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login(alice)
    assert client.get(url).status_code == 404  # a draft is not for advisors
    library.approve(version)
    db_session.flush()
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    auth.logout()
    auth.login(david)
    assert client.get(url).status_code == 404  # not targeted to Paris
    assert client.get("/library/media/..%2Fsecret_key").status_code == 404


def test_upload_through_the_form(app, client, db_session, library, auth) -> None:
    auth.login(library.curator)
    response = client.post("/library/manage/new", data={
        "title": "Form", "text": "Hello", "networks": ["linkedin"], "language": "en",
        "audience": "all", "image": (io.BytesIO(b"not an image"), "photo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "not a valid PNG" in response.get_data(as_text=True)
    response = client.post("/library/manage/new", data={
        "title": "Form", "text": "Hello", "networks": ["linkedin"], "language": "en",
        "audience": "all", "image": (io.BytesIO(_png()), "photo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302


def test_an_item_too_long_once_its_image_moves_the_link_into_the_text_is_not_submitted(
        app, db_session, library) -> None:
    text = "a" * 2990  # fits LinkedIn's 3,000 with the link as a card, not with it in the text
    plain = services.create_item(db_session, actor=library.curator, fields=services.ItemFields(
        title="Long", text=text, link_url="https://bank.example/savings",
        networks=["linkedin"]))
    services.submit_version(db_session, actor=library.curator, version_id=plain.id)
    upload = services.ImageUpload(data=_png(), folder=app.config["UPLOAD_FOLDER"])
    pictured = services.create_item(db_session, actor=library.curator, image=upload,
                                    fields=services.ItemFields(
                                        title="Long", text=text,
                                        link_url="https://bank.example/savings",
                                        networks=["linkedin"]))
    with pytest.raises(ValidationError, match="Too long for LinkedIn"):
        services.submit_version(db_session, actor=library.curator, version_id=pictured.id)
    assert pictured.status == Status.DRAFT and pictured.review_id is None
