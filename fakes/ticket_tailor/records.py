"""The Ticket Tailor fake's record plumbing: date objects, sort keys and `SortedRecords`, the
sorted view every list is served from."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from fakes.data import Record

Predicate = Callable[[Record], bool]
Key = tuple[int, int]
KeyFunction = Callable[[Record], Key]


def date_object(unix: int) -> dict[str, Any]:
    """A Ticket Tailor date object; the fake keeps every date in UTC."""
    dt = datetime.fromtimestamp(unix, UTC)
    return {
        "date": f"{dt:%Y-%m-%d}",
        "formatted": f"{dt:%a} {dt.day} {dt:%b %Y} {dt.hour % 12 or 12}:{dt:%M %p}",
        "iso": f"{dt:%Y-%m-%dT%H:%M:%S}+00:00",
        "time": f"{dt:%H:%M}",
        "timezone": "+00:00",
        "unix": unix,
    }


def num(record_id: str) -> int:
    """The numeric part of an id: 12 for "ev_12"."""
    return int(record_id.rpartition("_")[2])


def sort_key(record: Record) -> Key:
    """(created_at, numeric id) for records whose created_at is a unix int; records without
    one (discounts, membership types) sort by id alone."""
    return record.get("created_at", 0), num(record["id"])


def created_object_key(record: Record) -> Key:
    """The sort key of records whose created_at is a date object (products, holds, waitlist
    signups)."""
    return record["created_at"]["unix"], num(record["id"])


class SortedRecords:
    """Records oldest-first by `key` (default `sort_key`), with a parallel key list to bisect.

    Lists are served newest-first by walking it backwards, so a page costs O(page + log n)
    unless a predicate has to skip records. Keys start with a unix time, which `span` bisects.
    """

    def __init__(self, records: Iterable[Record] = (), key: KeyFunction = sort_key) -> None:
        self.key = key
        # ids are unique, so records themselves are never compared
        pairs = sorted((key(record), record) for record in records)
        self.keys = [k for k, _ in pairs]
        self.items = [record for _, record in pairs]

    def add(self, record: Record) -> None:
        key = self.key(record)
        i = bisect_right(self.keys, key)
        self.keys.insert(i, key)
        self.items.insert(i, record)

    def remove(self, record: Record) -> None:
        i = bisect_left(self.keys, self.key(record))
        del self.keys[i], self.items[i]

    def group_by(self, group_of: Callable[[Record], str]) -> dict[str, SortedRecords]:
        """Splits the records by group_of(record), keeping the order (no sorting needed)."""
        groups: dict[str, SortedRecords] = {}
        for key, record in zip(self.keys, self.items, strict=True):
            name = group_of(record)
            group = groups.get(name)
            if group is None:
                group = groups[name] = SortedRecords(key=self.key)
            group.keys.append(key)
            group.items.append(record)
        return groups

    def span(self, low: int | None, high: int | None) -> tuple[int, int]:
        """The index range of records whose key's time is within [low, high]."""
        start = 0 if low is None else bisect_left(self.keys, (low,))
        stop = len(self.keys) if high is None else bisect_left(self.keys, (high + 1,))
        return start, stop

    def page(
        self,
        start: int,
        stop: int,
        limit: int,
        pred: Predicate | None,
        after: Key | None = None,
        before: Key | None = None,
    ) -> tuple[list[Record], bool, bool]:
        """A newest-first page of items[start:stop] matching pred, after the `after` key or
        closest before the `before` key, and whether matching records follow / precede it."""
        if before is not None:
            cut = min(stop, max(start, bisect_right(self.keys, before)))
            rows = self._scan(cut, stop, False, pred, limit + 1)
            more_before = len(rows) > limit
            more_after = bool(self._scan(start, cut, True, pred, 1))
            return rows[:limit][::-1], more_after, more_before
        cut = stop if after is None else min(stop, max(start, bisect_left(self.keys, after)))
        rows = self._scan(start, cut, True, pred, limit + 1)
        more_before = bool(self._scan(cut, stop, False, pred, 1))
        return rows[:limit], len(rows) > limit, more_before

    def _scan(
        self, start: int, stop: int, newest_first: bool, pred: Predicate | None, n: int
    ) -> list[Record]:
        """Up to n records of items[start:stop] matching pred, from the newest or the oldest."""
        if start >= stop:
            return []
        if pred is None:
            if newest_first:
                return self.items[max(start, stop - n) : stop][::-1]
            return self.items[start : min(stop, start + n)]
        found = []
        for i in range(stop - 1, start - 1, -1) if newest_first else range(start, stop):
            if pred(self.items[i]):
                found.append(self.items[i])
                if len(found) == n:
                    break
        return found


# an empty view to fall back on (never add to it)
NO_RECORDS = SortedRecords()
