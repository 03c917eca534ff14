"""A post's image, as every adapter receives it (``publish(..., media=Media)``)."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field

# The formats the content library stores (it re-encodes every upload to one of them).
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".webp": "image/webp"}


@dataclass(frozen=True)
class Media:
    """Image bytes with their type, SHA-256 and a file name for multipart uploads.

    The hash is checked against the bytes on creation, so a Media's ``sha256`` always
    describes what will be sent (the approval's content hash covers it).
    """

    data: bytes = field(repr=False)
    mime_type: str
    sha256: str
    filename: str

    def __post_init__(self) -> None:
        if hashlib.sha256(self.data).hexdigest() != self.sha256:
            raise ValueError(f"Media {self.filename!r}: sha256 does not match the bytes")

    @property
    def size(self) -> int:
        return len(self.data)

    @classmethod
    def from_bytes(cls, data: bytes, *, filename: str, mime_type: str | None = None) -> Media:
        """A Media for ``data``, its type guessed from the file name when not given."""
        if mime_type is None:
            suffix = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
            mime_type = (IMAGE_TYPES.get(suffix) or mimetypes.guess_type(filename)[0]
                         or "application/octet-stream")
        return cls(data=data, mime_type=mime_type, sha256=hashlib.sha256(data).hexdigest(),
                   filename=filename)
