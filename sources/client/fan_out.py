"""Reading many parents' children concurrently, with bounded memory."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def fan_out(
    items: Iterable[T], fetch: Callable[[T], Awaitable[R]], window: int
) -> AsyncIterator[R]:
    """Runs fetch(item) for every item, `window` at a time, yielding results as they finish.

    The window bounds memory however many items there are; the client's own cap on requests in
    flight bounds the load on the API.
    """
    pending = iter(items)
    running = {asyncio.ensure_future(fetch(item)) for item in itertools.islice(pending, window)}
    try:
        while running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            running |= {
                asyncio.ensure_future(fetch(item)) for item in itertools.islice(pending, len(done))
            }
            for task in done:
                yield task.result()
    finally:
        for task in running:
            task.cancel()
