"""Uploaded images: verified by content, size- and dimension-capped, re-encoded, stored under
UPLOAD_FOLDER with a random name (the original name and any metadata are dropped).

Stored whole or not at all (#12.7): written to a temporary file in the folder, synced, then
renamed into place; on any error the temporary file is removed. A full or read-only folder
is a form error saying so, never a 500. Images no version references (a transaction rolled
back after the upload) are listed and removed by ``library-images-orphans``
(``content_library.orphans``)."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from advisor_hub.content_hash import file_sha256
from advisor_hub.errors import ValidationError

FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-.")
TEMP_PREFIX = ".upload-"  # a file being written (never served: names starting "." are not)
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


@dataclass(frozen=True)
class StoredImage:
    name: str
    sha256: str
    width: int
    height: int


def store_image(data: bytes, *, folder: str, max_bytes: int, max_pixels_side: int) -> StoredImage:
    """Check and re-encode an upload; ValidationError (field "image") when it is refused."""
    if len(data) > max_bytes:
        raise ValidationError(_l("The image is larger than %(mb)s MB.",
                                 mb=round(max_bytes / 1024 / 1024, 1)), field="image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size
                if kind not in FORMATS:
                    raise ValidationError(_l("Only PNG, JPEG and WebP images are accepted."),
                                          field="image")
                if width > max_pixels_side or height > max_pixels_side or width * height == 0:
                    raise ValidationError(_l("The image must be at most %(n)d × %(n)d pixels.",
                                             n=max_pixels_side), field="image")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                encoded = _reencode(image, kind)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_l("This file is not a valid PNG, JPEG or WebP image."),
                              field="image") from error
    name = f"{secrets.token_hex(16)}.{FORMATS[kind]}"
    try:
        write_atomically(Path(folder), name, encoded)
    except OSError as error:
        raise storage_error(error) from error
    return StoredImage(name=name, sha256=file_sha256(encoded), width=width, height=height)


def write_atomically(folder: Path, name: str, data: bytes) -> None:
    """``folder/name`` holds ``data`` whole, or does not exist: a temporary file, synced,
    renamed into place; removed on any error (OSError propagates)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):  # already gone
            os.unlink(temporary)
        raise


def storage_error(error: OSError) -> ValidationError:
    """What the curator is told when the image cannot be written (next to the field)."""
    if error.errno in FULL:
        why = _l("storage full")
    elif error.errno in READ_ONLY:
        why = _l("storage is read-only")
    else:
        why = error.strerror or _l("storage error")
    return ValidationError(_l("The server could not store the image: %(why)s. Nothing was "
                              "saved; try again later or tell an administrator.", why=why),
                           field="image")


def _reencode(image: Image.Image, kind: str) -> bytes:
    # Re-encoding drops metadata (EXIF GPS...) and anything appended to the file.
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88)
    elif kind == "WEBP":
        image.save(out, "WEBP", quality=88)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def image_path(folder: str, name: str) -> Path | None:
    """The stored file for a served name, or None for anything that is not one of ours."""
    if not name or not set(name) <= NAME_CHARS or name.startswith(".") or "/" in name:
        return None
    path = Path(folder) / name
    return path if path.is_file() else None
