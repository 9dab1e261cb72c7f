"""KorusTicket's ids, UUIDv7 (RFC 9562), which sort by creation, and the records' id-ordered
index."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from fakes.data import Record


def uuid7(ms: int, rand: int) -> str:
    """A UUIDv7 string from unix milliseconds and 74 random bits."""
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | (rand >> 62 & 0xFFF) << 64
        | 0b10 << 62
        | rand & ((1 << 62) - 1)
    )
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid7_ms(record_id: str) -> int:
    """The unix milliseconds a UUIDv7 was made at."""
    return int(record_id[:8] + record_id[9:13], 16)


def _id_floor(ms: int) -> str:
    """Sorts before every UUIDv7 made at `ms` or later, after every one made before."""
    h = f"{ms:012x}"
    return f"{h[:8]}-{h[8:12]}"


class ById:
    """Records ascending by id (UUIDv7, so by creation), with the ids alongside to bisect."""

    __slots__ = ("ids", "items")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.items: list[Record] = []

    def __len__(self) -> int:
        return len(self.items)

    def add(self, record: Record) -> None:
        i = bisect_right(self.ids, record["id"])
        self.ids.insert(i, record["id"])
        self.items.insert(i, record)

    def remove(self, record_id: str) -> None:
        i = bisect_left(self.ids, record_id)
        del self.ids[i], self.items[i]

    def extend(self, records: Iterable[Record]) -> None:
        merged = sorted([*self.items, *records], key=lambda record: record["id"])
        self.items = merged
        self.ids = [record["id"] for record in merged]

    def span(self, low: int | None, high: int | None) -> tuple[int, int]:
        """The index range of records created in the seconds [low, high]."""
        start = 0 if low is None else bisect_left(self.ids, _id_floor(max(0, low * 1000)))
        stop = (
            len(self.ids)
            if high is None
            else bisect_left(self.ids, _id_floor(max(0, (high + 1) * 1000)))
        )
        return start, max(start, stop)
