"""`python -m pipelines.webhooks [--host H] [--port P]`: receive Ticket Tailor's webhooks.

Serves `POST /webhooks/ticket_tailor` (the default account) and `/webhooks/ticket_tailor/NAME`
(account NAME) for every account with a `webhook_secret`, and `GET /healthz`. Exit status 2
when no account has a secret (a one-paragraph error names the key), 1 when the deliveries file
cannot be opened.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys

import uvicorn

from pipelines import config
from pipelines.config import ConfigError
from pipelines.logs import log_error, log_level, setup_logging
from sources.client import Secrets

from .receiver import Account, create_app
from .store import DeliveryStore, default_path

logger = logging.getLogger("ticketing.webhooks")

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8080


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.webhooks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    secrets = Secrets()
    try:
        setup_logging(log_level(os.environ.get("LOG_LEVEL")), secrets)
        accounts = {
            target.account or "": Account(target.label, target.name, secret)
            for target, secret in config.webhook_secrets().items()
        }
    except (ConfigError, ValueError) as exc:
        setup_logging("INFO", secrets)
        log_error(str(exc), secrets)
        return 2
    secrets.add(*(account.secret for account in accounts.values()))
    try:
        store = DeliveryStore()
    except (OSError, sqlite3.Error) as exc:
        log_error(
            f"cannot open the deliveries file {default_path()}: {exc}. It lives in dlt's data "
            "directory (DLT_DATA_DIR): make that writable, or point DLT_DATA_DIR elsewhere for "
            "the receiver and the syncs alike.",
            secrets,
        )
        return 1
    logger.info(
        "receiving Ticket Tailor webhooks on http://%s:%s for %s; deliveries kept in %s",
        args.host,
        args.port,
        ", ".join(sorted(account.label for account in accounts.values())),
        store.path,
    )
    try:
        uvicorn.run(
            create_app(accounts, store),
            host=args.host,
            port=args.port,
            log_config=None,  # our one-line format (pipelines.logs)
            access_log=False,  # the receiver logs one line per delivery itself
            server_header=False,
            timeout_graceful_shutdown=10,
        )
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
