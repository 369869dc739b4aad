"""A command under test as a subprocess whose output is read line by line, waiting for what it prints."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx


class Running:
    """`args` started in a session of its own; `wait_for(prefix)` reads its output until a line starts so."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)  # fmt: skip
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the command ended before «{prefix}»:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no «{prefix}» within {timeout:.0f} s:\n" + "\n".join(self.lines))

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C; the exit code, with the rest of the output read into `lines`."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return code


def api_call(
    method: str, url: str, *, idempotent: bool = False, timeout: float = 30, attempts: int = 20, **kwargs
) -> httpx.Response:
    """One REST call to a Prefect server, retried on 503 as Prefect's own client does (its SQLite database is
    briefly busy); a read (GET), or a call made `idempotent` (a flow run created with an idempotency key), is
    also retried when the server, busy with workers' runs on a loaded machine, does not answer in `timeout`."""
    for attempt in range(attempts):
        try:
            response = httpx.request(method, url, timeout=timeout, **kwargs)
        except httpx.TimeoutException:
            if not (method == "GET" or idempotent) or attempt == attempts - 1:
                raise
            continue
        if response.status_code != 503:
            return response
        time.sleep(0.5)
    return response
