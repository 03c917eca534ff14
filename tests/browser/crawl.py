"""Every page a role can reach: follow the links of its pages, one load per route.

Used by the accessibility pass and the phone-width check. A route is an endpoint of the URL
map; the first link met to each endpoint is the one loaded. Downloads, JSON endpoints and
links that leave for a network's OAuth flow are not pages and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException

# Not pages: downloads, JSON, OAuth hops, media, machine-to-machine APIs.
NOT_PAGES = frozenset({
    "static", "bootstrap.static", "library.media", "health.healthz",
    "archive.export", "archive.export_manifest", "dashboard.table_csv",
    "library.export_items", "audit.export",
    "publishing.link", "publishing.callback", "publishing.facebook_pages",
    "publishing.post_status", "publishing.preview", "publishing.screen",
    "sso.login", "sso.callback", "sso.signed_out",
    "scim.service_provider_config", "scim.users", "scim.user",
    "campaigns.unsubscribe", "campaigns.digest_link",
})
LIMIT = 80  # a role reaching more routes than this is a crawl that went wrong


def endpoint_of(app: Flask, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method="GET")
    except HTTPException:
        return None
    return str(endpoint)


def _route(app: Flask, path: str) -> str | None:
    """What a path is one page of: its endpoint; a Sandbox page, by its first segment."""
    if path.startswith("/sandbox/"):
        segment = path.removeprefix("/sandbox/").split("/", 1)[0]
        return f"sandbox:{segment}"
    endpoint = endpoint_of(app, path)
    return None if endpoint is None or endpoint in NOT_PAGES else endpoint


def pages_of_role(app: Flask, page: Any, base_url: str, start: str = "/",
                  extra: tuple[str, ...] = ()) -> Iterator[str]:
    """Load each page reachable from ``start`` once per route; yield after each load.

    The caller checks the page loaded in ``page`` each time this yields its path. ``extra``
    paths are loaded even when they are not pages themselves (a link that redirects to the
    Sandbox's consent page): the page they land on is.
    """
    seen: set[str] = set()
    queue = [*((p, True) for p in extra), (start, False)]
    while queue and len(seen) < LIMIT:
        path, forced = queue.pop(0)
        route = _route(app, urlsplit(path).path)
        if not forced and (route is None or route in seen):
            continue
        if route:
            seen.add(route)
        response = page.goto(base_url + path)
        if response is None or response.status >= 400 or not page.url.startswith(base_url):
            continue
        landed_path = urlsplit(page.url).path
        if landed_path != urlsplit(path).path:  # redirected: judged where it landed
            landed = _route(app, landed_path) or landed_path
            if landed in seen and not forced:
                continue
            seen.add(landed)
        yield path
        for href in page.eval_on_selector_all(
                "a[href]", "links => links.map(a => a.getAttribute('href'))"):
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or href.startswith("//"):
                continue
            queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), False))
