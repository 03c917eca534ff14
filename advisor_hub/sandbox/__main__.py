"""``python -m advisor_hub.sandbox``: run the Sandbox on its own (e.g. for the benchmark)."""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from .app import create_sandbox_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--post-latency", type=float, default=0.0, help="seconds per post")
    parser.add_argument("--token-ttl", type=float, default=600.0, help="access token lifetime")
    parser.add_argument("--control", action="store_true", help="enable /_control endpoints")
    parser.add_argument(
        "--accept-duplicate-keys",
        action="store_true",
        help="do not reject a reused idempotency key (so double sends show in stats)",
    )
    args = parser.parse_args()
    app = create_sandbox_app(
        {
            "POST_LATENCY": args.post_latency,
            "ACCESS_TOKEN_TTL": args.token_ttl,
            "ENABLE_CONTROL": args.control,
            "REJECT_DUPLICATE_KEYS": not args.accept_duplicate_keys,
        }
    )
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
