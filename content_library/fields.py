"""What a curator types for a library version, and its validation (the form, the import
and the CLI fill ``ItemFields``; ``clean_fields`` applies every rule)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from advisor_hub.accounts.services import branch_names
from advisor_hub.errors import ValidationError, ValidationErrors
from advisor_hub.i18n import LANGUAGES
from advisor_hub.text import sanitize
from content_library.limits import NETWORK_LABELS, NETWORKS, over_limit
from content_library.rendering import ITEM_PLACEHOLDERS, check_placeholders

MAX_TAGS = 20
T = TypeVar("T")


@dataclass(frozen=True)
class ItemFields:
    """What a curator types for one version (the form, the import and the CLI fill it)."""

    title: str
    text: str
    networks: Sequence[str]
    link_url: str | None = None
    tags: Sequence[str] = ()
    campaign: str | None = None
    language: str = "en"
    audience_all: bool = True
    branch_ids: Sequence[int] = ()
    available_from: datetime | None = None
    expires_at: datetime | None = None
    placeholders: Sequence[str] = ()


@dataclass(frozen=True)
class ImageUpload:
    data: bytes
    folder: str
    max_bytes: int = 5 * 1024 * 1024
    max_side: int = 8000

    @classmethod
    def from_config(cls, data: bytes, config: Any) -> ImageUpload:
        return cls(data=data, folder=config["UPLOAD_FOLDER"],
                   max_bytes=config["LIBRARY_MAX_IMAGE_BYTES"],
                   max_side=config["LIBRARY_MAX_IMAGE_SIDE"])


def split_list(value: str | Sequence[str] | None) -> list[str]:
    """Tags, networks, branches... from a list or a "a, b | c" string."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("|", ",").split(",")
    return [v.strip() for v in value if v and v.strip()]


def clean_link(value: str | None) -> str | None:
    link = sanitize(value, field="link_url") if value else ""
    if not link:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in link:
        raise ValidationError(_l("The link must be a full http:// or https:// address."),
                              field="link_url")
    if len(link) > 2000:
        raise ValidationError(_l("The link is too long."), field="link_url")
    return link


def clean_tags(tags: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in split_list(list(tags)):
        value = " ".join(sanitize(tag, field="tags").lower().split())[:60]
        if value and value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(_l("At most %(n)d tags.", n=MAX_TAGS), field="tags")
    return cleaned


def check_fits(networks: list[str], text: str, link_url: str | None, *,
               with_media: bool) -> None:
    for network, count, limit in over_limit(networks, text, link_url, with_media=with_media):
        raise ValidationError(_l("Too long for %(network)s: %(count)d characters, the limit is "
                                 "%(limit)d.", network=NETWORK_LABELS[network], count=count,
                                 limit=limit), field="text")


def clean_fields(session: Session, fields: ItemFields) -> ItemFields:
    """Sanitise every field and apply every rule. Every field that breaks a rule is reported
    at once (``ValidationErrors``, each naming its field; one alone is a ValidationError)."""
    problems: list[ValidationError] = []

    def checked(step: Callable[[], T], fallback: T) -> T:
        try:
            return step()
        except ValidationError as error:
            problems.append(error)
            return fallback

    def refuse(message: object, field: str) -> None:
        problems.append(ValidationError(message, field=field))

    title = checked(lambda: " ".join(sanitize(fields.title, field="title").split()), "")
    if not title and not problems:
        refuse(_l("A title is required."), "title")
    if len(title) > 200:
        refuse(_l("The title is longer than 200 characters."), "title")
    text = checked(lambda: sanitize(fields.text, field="text"), None)
    if text == "":
        refuse(_l("The post text is empty."), "text")
    networks = [n for n in NETWORKS if n in set(fields.networks)]
    unknown = set(fields.networks) - set(NETWORKS)
    if unknown or not networks:
        refuse(_l("Choose at least one network among LinkedIn, Facebook, X and Sandbox."),
               "networks")
    placeholders = [p for p in ITEM_PLACEHOLDERS if p in set(fields.placeholders)]
    if set(fields.placeholders) - set(ITEM_PLACEHOLDERS):
        refuse(_l("Advisors may only personalise: %(names)s.", names=", ".join(
            "{" + p + "}" for p in ITEM_PLACEHOLDERS)), "placeholders")
    elif text:
        try:
            check_placeholders(text, placeholders)
        except ValidationError as error:
            refuse(error.message, "text")
    link = checked(lambda: clean_link(fields.link_url), None)
    if text and networks and not any(p.field == "text" for p in problems):
        checked(lambda: check_fits(networks, text, link, with_media=False), None)
    campaign = checked(lambda: " ".join(sanitize(fields.campaign, field="campaign").split())
                       or None, None)
    if campaign and len(campaign) > 120:
        refuse(_l("The campaign name is too long."), "campaign")
    if fields.language not in LANGUAGES:
        refuse(_l("Choose English or French."), "language")
    branch_ids = sorted(set(fields.branch_ids))
    if not fields.audience_all:
        if not branch_ids:
            refuse(_l("Choose at least one branch, or all advisors."), "branch_ids")
        elif set(branch_names(session, branch_ids)) != set(branch_ids):
            refuse(_l("Unknown branch."), "branch_ids")
    else:
        branch_ids = []
    if fields.available_from and fields.expires_at and \
            fields.expires_at <= fields.available_from:
        refuse(_l("The expiry must come after the start of availability."), "expires_at")
    tags = checked(lambda: clean_tags(fields.tags), [])
    ValidationErrors.raise_if_any(problems)
    assert text is not None
    return replace(fields, title=title, text=text, networks=networks, link_url=link,
                   tags=tags, campaign=campaign, branch_ids=branch_ids,
                   placeholders=placeholders)
