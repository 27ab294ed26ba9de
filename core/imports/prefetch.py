"""Read and validate the next chunk of a file in a background thread while the database stores this one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_WAIT = 0.1


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of `items` in order, the next one produced by a worker thread while the caller has this one.

    Parsing (pandas, the csv module) and the database driver release the interpreter lock for most of
    their work, so on a machine with two cores reading the file overlaps with writing it. An error in
    the worker is raised to the caller at the point it would have occurred; closing the iterator early
    stops the worker.
    """
    slot: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    # one item may be produced ahead of the caller's, never two: a chunk of 200k rows is large
    turn = threading.Semaphore(1)

    def wait_turn() -> bool:
        while not stop.is_set():
            if turn.acquire(timeout=_WAIT):
                return True
        return False

    def hand_over(entry: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                slot.put(entry, timeout=_WAIT)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            while wait_turn():
                try:
                    item = next(items)
                except StopIteration:
                    hand_over((False, None))
                    return
                if not hand_over((True, item)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which re-raises it
            hand_over((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="careloop-import-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            more, value = slot.get()
            turn.release()
            if not more:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        worker.join()
