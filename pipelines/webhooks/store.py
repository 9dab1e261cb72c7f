"""The deliveries the receiver accepted, kept until a sync has loaded what they name.

SQLite in WAL mode, in one file beside dlt's pipeline state: the receiver writes while a sync
reads and marks deliveries applied, each in short transactions, and neither blocks the other
for long. DuckDB could not hold it (one writer process, and the sync is that writer), and
keeping it outside the warehouse lets the receiver run whatever the destination is. A commit
is synced to disk (`synchronous=FULL`) before the receiver answers 200, so a delivery survives
a `kill -9` or a power cut right after.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt

FILE_NAME = "webhooks.sqlite"
# how long an applied delivery is kept: the vendor retries for 72 hours, and a repeat of an id
# still on file is not applied twice
RETENTION_DAYS = 7.0
# a sync waits this long for the receiver's transaction (and the other way round)
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
create table if not exists deliveries (
    pipeline text not null,      -- whose: the target's pipeline (ticket_tailor_london)
    id text not null,            -- the envelope's idempotent key (wh_6725410)
    event text not null,         -- ORDER.UPDATED
    resource_url text not null,
    created_at text,             -- as the envelope says it
    body blob not null,          -- the verified body, as received
    received_at real not null,
    applied_at real,             -- set once a sync's load carrying it has committed
    primary key (pipeline, id)
);
create index if not exists pending_deliveries on deliveries (pipeline) where applied_at is null;
"""


@dataclass(frozen=True)
class Delivery:
    """One verified webhook delivery for one account's pipeline."""

    pipeline: str
    id: str
    event: str
    resource_url: str
    created_at: str | None
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        envelope = json.loads(self.body)
        payload = envelope.get("payload")
        return payload if isinstance(payload, dict) else {}


def default_path() -> Path:
    """`webhooks.sqlite` among dlt's pipelines (DLT_DATA_DIR moves both)."""
    return Path(dlt.current.run_context().get_data_entity("pipelines")) / FILE_NAME


class DeliveryStore:
    """The deliveries file; safe to share between threads of a process, and between the
    receiver and syncs."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
        )
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("pragma synchronous=full")
        self._db.executescript(SCHEMA)

    def add(self, deliveries: Sequence[Delivery]) -> list[bool]:
        """Stores deliveries in one transaction, synced to disk on return; for each, whether
        it was new (a repeated id is kept once)."""
        now = time.time()
        with self._transaction() as db:
            return [
                db.execute(
                    "insert or ignore into deliveries (pipeline, id, event, resource_url, "
                    "created_at, body, received_at) values (?, ?, ?, ?, ?, ?, ?)",
                    (d.pipeline, d.id, d.event, d.resource_url, d.created_at, d.body, now),
                ).rowcount
                == 1
                for d in deliveries
            ]

    def pending(self, pipeline: str, limit: int) -> list[Delivery]:
        """The pipeline's oldest `limit` deliveries not yet applied, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "select pipeline, id, event, resource_url, created_at, body from deliveries "
                "where pipeline = ? and applied_at is null order by received_at, id limit ?",
                (pipeline, limit),
            ).fetchall()
        return [Delivery(*row) for row in rows]

    def mark_applied(self, pipeline: str, ids: Iterable[str]) -> None:
        """Marks deliveries applied, and forgets those applied over RETENTION_DAYS ago."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "update deliveries set applied_at = ? where pipeline = ? and id = ?",
                [(now, pipeline, delivery_id) for delivery_id in ids],
            )
            db.execute(
                "delete from deliveries where applied_at < ?", (now - RETENTION_DAYS * 86400,)
            )

    def counts(self) -> dict[str, int]:
        """Deliveries waiting for a sync, per pipeline."""
        with self._lock:
            rows = self._db.execute(
                "select pipeline, count(*) from deliveries where applied_at is null "
                "group by pipeline"
            ).fetchall()
        return dict(rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """`begin immediate` ... `commit` under the store's lock; rolled back on error."""
        with self._lock:
            self._db.execute("begin immediate")
            try:
                yield self._db
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")
