"""Holds: changed ones by their `updated_at`, released ones by the events' `total_holds`.

A released hold is deleted from the API, so no filter lists it. Each event counts the tickets
it has on hold (`total_holds`); where that differs from the sum of `total_on_hold` of the holds
loaded for it (with this run's changes), the event's holds are read whole (`event_id` filter)
and the loaded ones not found are deleted. A counter that means something else costs a request
per event with holds each run, never a row; an event without the counter gets all holds read.
"""

from __future__ import annotations

from collections import Counter

from sources import warehouse
from sources.client import Params
from sources.records import Record, deletion

from . import settings
from .helpers import BoxOffice, count, hold_row, newest


def read_holds(
    box_office: BoxOffice, since: Params | None, latest: int | None
) -> tuple[list[Record], int | None]:
    """The holds to merge (deletions flagged), and the newest `updated_at` met.

    `since` is the changed-since filter; None reads every hold, and deletes the loaded ones
    not among them."""
    events = box_office.events()
    event_of_type = {t["id"]: e["id"] for e in events for t in e.get("ticket_types") or ()}
    counters = {event["id"]: count(event.get("total_holds")) for event in events}
    if None in counters.values():
        since = None  # releases cannot be told without the counters
    read: dict[str, Record] = {}
    for page in box_office.pages(settings.HOLDS_PATH, since):
        for hold in page:
            read[hold["id"]] = hold_row(hold, event_of_type, None)
    loaded = {
        hold_id: (event_id, total or 0)
        for hold_id, event_id, total in warehouse.loaded(
            "select id, event_id, total_on_hold from {holds}", ("holds",)
        )
    }
    stale: list[str] = []
    if since is not None:
        on_hold = Counter[str]()
        for hold_id, (event_id, total) in loaded.items():
            if hold_id not in read:
                on_hold[event_id] += total
        for row in read.values():
            on_hold[row["event_id"]] += count(row.get("total_on_hold")) or 0
        stale = [e for e, held in counters.items() if held != on_hold[e]]
    gone: list[Record] = []
    for event_id in stale:
        found = set()
        for page in box_office.pages(settings.HOLDS_PATH, {"event_id": event_id}):
            for hold in page:
                read[hold["id"]] = hold_row(hold, event_of_type, event_id)
                found.add(hold["id"])
        gone += [
            deletion(hold_id)
            for hold_id, (held_event, _) in loaded.items()
            if held_event == event_id and hold_id not in found
        ]
    if since is None:
        gone = [deletion(hold_id) for hold_id in loaded if hold_id not in read]
    rows = list(read.values())
    return rows + gone, newest(rows, "updated_at", latest)
