"""An opt-in phase timer for the benchmarks (benchmarks/__main__.py), off unless ROADMAP_TIMINGS names a file.

`with phase("send"):` appends one JSON line {"phase", "start", "s", "pid"} to that file when the block
ends (its wall-clock start as a Unix time, its duration in seconds); without the setting it costs one
attribute lookup. Phases that run in threads side by side each write their own line.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from models.settings import get_settings

_lock = threading.Lock()


@contextmanager
def phase(name: str) -> Iterator[None]:
    path = get_settings().timings
    if path is None:
        yield
        return
    start, began = time.time(), time.perf_counter()
    try:
        yield
    finally:
        line = json.dumps({"phase": name, "start": start, "s": time.perf_counter() - began, "pid": os.getpid()})
        with _lock, path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def mark(name: str) -> None:
    """An instant (a phase of no duration): when the flow started or ended, say."""
    with phase(name):
        pass
