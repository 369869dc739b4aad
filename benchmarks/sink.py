"""A loopback SMTP server in a process of its own that counts what it accepts (`python -m benchmarks sink`).

Prints "ready PORT" once it listens; on SIGTERM (or SIGINT) prints one JSON line {"messages",
"recipients", "bytes", "max_bytes"} and exits. It keeps nothing, so its own memory stays flat however
many digests a sweep sends; the size limit is aiosmtpd's default (32 MiB), as a stock server would refuse
a larger message.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any

from aiosmtpd.controller import Controller

from notifications.mailsink import free_port


class Counting:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts = {"messages": 0, "recipients": 0, "bytes": 0, "max_bytes": 0}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        size = len(envelope.original_content or envelope.content or b"")
        with self.lock:
            self.counts["messages"] += 1
            self.counts["recipients"] += len(envelope.rcpt_tos)
            self.counts["bytes"] += size
            self.counts["max_bytes"] = max(self.counts["max_bytes"], size)
        return "250 Message accepted for delivery"


def serve(port: int | None = None) -> None:
    handler = Counting()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    print(f"ready {port}", flush=True)
    done.wait()
    controller.stop()
    with handler.lock:
        print(json.dumps(handler.counts), flush=True)
    sys.exit(0)
