"""How a post will look on each network: its text as the network counts it, where the feed
folds it behind "…see more", the link card or the image, and the character count.

The composer (while the advisor types) and the review page (what the reviewer approves) both
show these previews, so an advisor and a reviewer see the same thing.

The folds are what the feeds do, not a documented API rule: the networks publish their
limits (LinkedIn 3,000 characters, X 280 weighted characters, see ``x.py``), not where their
feeds cut a post. LinkedIn shows an organic post's first 3 lines, about 210 characters, then
"…see more" (https://web-3-apps.com/char-counter/articles/linkedin-post-length/, and John
Espirian's "See more breakpoints on LinkedIn posts", 2024). Facebook cuts a text post after
about 5 lines or 480 characters with "See more". X shows a post of up to 280 weighted
characters whole (twitter-text weights, URLs count 23: see ``x.weighted_length``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from . import ADAPTERS, NetworkConfig, build_adapter


@dataclass(frozen=True)
class Fold:
    chars: int  # at most this many characters before the fold
    lines: int  # and at most this many lines


# network -> where its feed folds a post (none: shown whole, up to its limit).
FOLDS: dict[str, Fold] = {
    "linkedin": Fold(chars=210, lines=3),
    "facebook": Fold(chars=480, lines=5),
}


@dataclass(frozen=True)
class NetworkPreview:
    network: str
    label: str
    text: str  # as the network will show and count it
    count: int
    limit: int
    visible: str = ""  # what the feed shows before "…see more" (all of it when not folded)
    folded: bool = False
    link_url: str | None = None  # shown as a link card (not in the text)
    with_media: bool = False

    @property
    def fits(self) -> bool:
        return self.count <= self.limit

    @property
    def link_host(self) -> str:
        return urlsplit(self.link_url).netloc.removeprefix("www.") if self.link_url else ""


def fold_text(text: str, fold: Fold | None) -> tuple[str, bool]:
    """(what shows before the fold, whether anything is hidden). The cut falls on a space
    when there is one in the last fifth of the window, as the feeds avoid cutting words."""
    if fold is None:
        return text, False
    lines = text.split("\n")
    shown = "\n".join(lines[:fold.lines])
    if len(shown) > fold.chars:
        cut = shown[:fold.chars]
        space = cut.rfind(" ")
        shown = cut[:space] if space > fold.chars * 4 // 5 else cut
    shown = shown.rstrip()
    return shown, shown != text.rstrip()


def preview(network: str, text: str, link_url: str | None = None,
            with_media: bool = False) -> NetworkPreview:
    """The post as ``network`` will show it: text, count against its limit, fold, link card."""
    adapter = build_adapter(network, NetworkConfig())
    rendered = adapter.render_text(text, link_url, with_media=with_media)
    visible, folded = fold_text(rendered, FOLDS.get(network))
    card = link_url if link_url and link_url not in rendered and not with_media else None
    return NetworkPreview(network, str(adapter.label), rendered, adapter.count_chars(rendered),
                          adapter.char_limit, visible, folded, card, with_media)


def previews(networks: list[str], text: str, link_url: str | None = None,
             with_media: bool = False) -> list[NetworkPreview]:
    """One preview per known network, in the product's network order."""
    return [preview(n, text, link_url, with_media) for n in ADAPTERS if n in set(networks)]
