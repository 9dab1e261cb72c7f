"""Data generation shared by the fakes: fast draws from a seeded RNG, made-up names and places,
time units and formats, and a garbage-collector pause for building big accounts."""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

Record = dict[str, Any]
T = TypeVar("T")

HOUR = 3_600
DAY = 86_400

FIRST_NAMES = ("Alice", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hiro", "Isla", "Jon")
LAST_NAMES = ("Smith", "Jones", "Patel", "Brown", "Khan", "Taylor", "Okafor", "Garcia", "Chen")
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue")
CITIES = ("London", "Leeds", "Bristol", "Glasgow", "Cardiff", "Norwich")
VENUES = ("The Old Mill", "Riverside Hall", "Union Chapel", "The Cellar Bar")
CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def pick(rng: random.Random, options: Sequence[T]) -> T:
    # random.choice and randint are several times slower: seeding makes about 2M draws
    return options[int(rng.random() * len(options))]


def between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def on_the_hour(rng: random.Random, low: int, high: int) -> int:
    """A random whole hour within [low, high] (low itself if there is none)."""
    first = low + (-low % HOUR)
    return first + HOUR * between(rng, 0, max(0, (high - first) // HOUR))


def iso(unix: float) -> str:
    """UTC, whole seconds, `+00:00`: TicketSource's and KorusTicket's timestamp format."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(unix))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pauses the cyclic GC while building records: it would walk the growing heap again and
    again (seconds at 100,000 orders). A big batch is then collected once, which moves it to
    the oldest generation in one pass instead of one pass per generation later on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            if gc.get_count()[0] > 100_000:
                gc.collect()
