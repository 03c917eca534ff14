"""#12.7: an image is stored whole or not at all; a full or read-only upload folder is a
form error, not a 500; images no version references are found and removed."""

from __future__ import annotations

import errno
import io
import os
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from advisor_hub.errors import ValidationError
from content_library import images, services
from content_library.images import store_image
from content_library.models import LibraryItemVersion
from content_library.orphans import find_orphans


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _fail_fsync(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """The disk refuses the data once part of it is written (as a full disk does)."""
    def fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(images.os, "fsync", fsync)


@pytest.mark.parametrize("code,why", [(errno.ENOSPC, "storage full"),
                                      (errno.EROFS, "storage is read-only")])
def test_a_failed_write_leaves_nothing_behind_and_says_why(tmp_path: Path, monkeypatch,
                                                            code: int, why: str) -> None:
    _fail_fsync(monkeypatch, code)
    with pytest.raises(ValidationError) as raised:
        store_image(_png(), folder=str(tmp_path), max_bytes=10**6, max_pixels_side=8000)
    assert f"the server could not store the image: {why}" in str(raised.value).lower()
    assert raised.value.field == "image"
    assert list(tmp_path.iterdir()) == []  # no truncated file, no temporary file


def test_a_read_only_folder_that_cannot_even_be_created(tmp_path: Path, monkeypatch) -> None:
    def mkstemp(**_kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(images.tempfile, "mkstemp", mkstemp)
    with pytest.raises(ValidationError, match="storage is read-only"):
        store_image(_png(), folder=str(tmp_path / "up"), max_bytes=10**6, max_pixels_side=8000)


def test_a_full_folder_through_the_form_keeps_the_form_and_saves_nothing(
        app, client, db_session, library, auth, monkeypatch) -> None:
    auth.login(library.curator)
    before = db_session.scalar(select(func.count()).select_from(LibraryItemVersion))
    _fail_fsync(monkeypatch, errno.ENOSPC)
    response = client.post("/library/manage/new", data={
        "title": "Kept title", "text": "Hello", "networks": ["linkedin"], "language": "en",
        "audience": "all", "image": (io.BytesIO(_png()), "photo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The server could not store the image: storage full" in page
    assert 'value="Kept title"' in page  # the form is not lost
    assert db_session.scalar(select(func.count()).select_from(LibraryItemVersion)) == before
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_orphans_are_listed_and_removed(app, db_session, library, runner) -> None:
    folder = app.config["UPLOAD_FOLDER"]
    used = services.create_item(db_session, actor=library.curator,
                                image=services.ImageUpload(data=_png(), folder=folder),
                                fields=services.ItemFields(title="Used", text="Hi",
                                                           networks=["linkedin"]))
    orphan = store_image(_png(), folder=folder, max_bytes=10**6, max_pixels_side=8000)
    leftover = Path(folder) / ".upload-abc.part"
    leftover.write_bytes(b"half")
    db_session.flush()
    old = time.time() - 2 * 3600
    for path in Path(folder).iterdir():
        os.utime(path, (old, old))
    young = store_image(_png(), folder=folder, max_bytes=10**6, max_pixels_side=8000)
    found = {p.name for p in find_orphans(db_session, Path(folder), older_than_seconds=3600)}
    assert found == {orphan.name, leftover.name}  # not the used one, not the young one
    listed = runner.invoke(args=["library-images-orphans"])
    assert listed.exit_code == 0 and orphan.name in listed.output
    assert (Path(folder) / orphan.name).exists()
    removed = runner.invoke(args=["library-images-orphans", "--delete"])
    assert removed.exit_code == 0 and "2 orphan file(s)" in removed.output
    assert sorted(p.name for p in Path(folder).iterdir()) == sorted([used.image_name,
                                                                     young.name])
