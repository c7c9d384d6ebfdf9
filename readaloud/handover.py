"""How work crosses between threads and the daemon's asyncio loop.

The daemon's loop thread is the only one that calls the reader. Another thread hands work to it
with :func:`poster`'s ``post(fn)``; the loop runs blocking work (loading the model, reading the
selection) on a thread of its own with :func:`in_thread` and awaits the result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from readaloud.core import Post

T = TypeVar("T")

# ``run_blocking(fn, thread_name)``: run ``fn`` off the loop and await its result.
RunBlocking = Callable[[Callable[[], T], str], Awaitable[T]]


def poster(loop: asyncio.AbstractEventLoop) -> Post:
    """``post(fn)``: run ``fn`` soon on ``loop``'s thread; callable from any thread."""

    def post(fn: Callable[[], None]) -> None:
        loop.call_soon_threadsafe(fn)

    return post


def later_poster(loop: asyncio.AbstractEventLoop) -> Callable[[float, Callable[[], None]], None]:
    """``post_later(delay, fn)``: run ``fn`` on ``loop``'s thread ``delay`` seconds from now; callable
    from any thread."""

    def post_later(delay: float, fn: Callable[[], None]) -> None:
        loop.call_soon_threadsafe(loop.call_later, delay, fn)

    return post_later


async def in_thread(fn: Callable[[], T], name: str) -> T:
    """Run blocking ``fn`` on a daemon thread (one that never delays exit, unlike an executor's)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result = fn()
        except BaseException as error:
            loop.call_soon_threadsafe(settle, None, error)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=target, name=name, daemon=True).start()
    return await future
