"""What every source's rows share: the row type, the flag whose rows delete, column hints."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pendulum

Record = dict[str, Any]

# Rows carrying this flag delete what they match instead of being stored: a deleted record, or
# (in a child table merged on its parent's id) the children of a parent that has none left.
DELETED_FLAG = "_deleted"
# When a row was read, for tables where one load may read a record twice (see ReadStamps).
READ_AT = "_read_at"


def column_hints(
    timestamps: Iterable[str] = (), deletes: bool = False, later_read_wins: bool = False
) -> dict[str, dict]:
    """Columns loaded as timestamps even while every value seen is null, the delete flag, and
    the read stamp that picks which of two reads of a record in one load is kept."""
    hints: dict[str, dict] = {name: {"data_type": "timestamp"} for name in timestamps}
    if deletes:
        hints[DELETED_FLAG] = {"data_type": "bool", "hard_delete": True}
    if later_read_wins:
        hints[READ_AT] = {"data_type": "timestamp", "dedup_sort": "desc"}
    return hints


def deletion(record_id: Any, **keys: Any) -> Record:
    """A row that deletes the record `record_id` (and, with a parent key, its siblings)."""
    return {"id": record_id, **keys, DELETED_FLAG: True}


def replace_children(parent_key: str, parent_id: Any, children: list[Record]) -> list[Record]:
    """All of a parent's children, read whole, as rows that replace the ones loaded before: the
    child table merges on `parent_key` as well as `id`, so a merge deletes what the read no
    longer found. A parent with no children left gets one flagged row, which deletes them all."""
    if not children:
        return [deletion(parent_id, **{parent_key: parent_id})]
    return [{**child, parent_key: parent_id} for child in children]


class ReadStamps:
    """Stamps each page with when it was read, always later than the page before: where one
    load can read a record twice, `dedup_sort` on READ_AT keeps the later (fresher) read."""

    def __init__(self) -> None:
        self._last: pendulum.DateTime | None = None

    def stamp(self, rows: list[Record]) -> list[Record]:
        now = pendulum.now("UTC")
        if self._last is not None and now <= self._last:
            now = self._last.add(microseconds=1)
        self._last = now
        return [{**row, READ_AT: now} for row in rows]
