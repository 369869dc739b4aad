"""A loopback SMTP server in a process of its own that counts what it accepts (`python -m benchmarks sink`).

Prints "ready PORT" once it listens; on SIGTERM (or SIGINT) prints one JSON line {"messages",
"recipients", "bytes", "max_bytes", "repeated"} and exits ("repeated": messages whose recipients and
subject an earlier message had: a digest delivered again). It keeps only those keys, so its memory
stays small however many digests a sweep sends; the size limit is aiosmtpd's default (32 MiB), as a
stock server would refuse a larger message.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller

from notifications.mailsink import free_port


class Counting:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts = {"messages": 0, "recipients": 0, "bytes": 0, "max_bytes": 0, "repeated": 0}
        self.seen: set[tuple[tuple[str, ...], str]] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or envelope.content or b""
        size = len(content)
        subject = str(BytesHeaderParser().parsebytes(content.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")["Subject"])
        key = (tuple(sorted(envelope.rcpt_tos)), subject)
        with self.lock:
            self.counts["repeated"] += key in self.seen
            self.seen.add(key)
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
