"""E-mail written as bytes against the email package, in one run (`python -m benchmarks mime`).

The same N rendered digests (Russian subjects and names, 1 to 12 reminders each; rendering is not timed) go
to the counting SMTP server on loopback (benchmarks/sink.py, a process of its own) through SmtpNotifier
twice per round: with `writer="email"` (the message built by the email package's MIME classes and flattened
by its generator) and with `writer="bytes"` (notifications/smtp.py `message_bytes`), by a pool of threads
over pooled connections as a dispatch sends them. Rounds alternate which writer goes first; messages/s are
medians over the rounds, and the ratio is bytes over email. Compare the ratio, not the seconds (shared machine).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from benchmarks.whole import Sink
from notifications.digest import Digest, DigestEntry, render
from notifications.smtp import SmtpNotifier

WRITERS = ("email", "bytes")
KINDS = ("overdue", "before", "lapse", "moved", "check-in", "escalation")
TITLES = (
    "Формирование базы наставляемых в 2020 - 2021 учебном году",
    "Заключение соглашений с организациями-партнерами",
    "Разработка дорожных карт внедрения целевой модели наставничества в ОО и ДО",
    "Обучение наставников",
    "Формирование профессиональных сообществ наставников",
)
ROADMAP = "План мероприятий (дорожная карта) внедрения целевой модели наставничества на 2020 - 2024 годы"


def digests(n: int, today: date = date(2020, 6, 1)) -> list[tuple[str, str, str, str]]:
    """(recipient, subject, text, HTML) of `n` digests of 1 to 12 reminders each."""
    out = []
    for k in range(n):
        entries = [
            DigestEntry(
                KINDS[(k + j) % len(KINDS)],
                k * 100 + j,
                "tomsk-2020-2024",
                ROADMAP,
                f"{1 + j % 4}.{1 + j}",
                TITLES[(k + j) % len(TITLES)],
                f'МБОУ "Средняя школа № {k % 97 + 1}"',
                today - timedelta(days=30),
                today + timedelta(days=(j * 7) % 40 - 20),
                result="Распорядительные акты, база наставляемых",
                responsible="Кураторы внедрения ОО",
                party="oo_head",
            )  # fmt: skip
            for j in range(1 + k % 12)
        ]
        recipient = f"head{k}@example.org"
        subject, text, html = render(Digest(recipient, "Руководитель образовательной организации", today, entries))
        out.append((recipient, subject, text, html))
    return out


def send_all(url: str, writer: str, messages: list[tuple[str, str, str, str]], workers: int) -> float:
    """Seconds to send every message with this writer (connections opened before the clock starts)."""
    notifier = SmtpNotifier(url, writer=writer)  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda _k: notifier._connection(), range(workers)))  # noqa: SLF001 (warm: one per thread)
        began = time.perf_counter()
        list(pool.map(lambda m: notifier.send(*m), messages))
        seconds = time.perf_counter() - began
    notifier.close()
    return seconds


def run(n: int, rounds: int = 3, workers: int = 4, log: Callable[[str], None] = print) -> dict[str, float]:
    messages = digests(n)
    size = sum(len(text) + len(html) for _r, _s, text, html in messages) / n / 1024
    log(f"{n} digests, {size:.1f} KiB of text and HTML each on average; {workers} threads; {rounds} rounds")
    rates: dict[str, list[float]] = {w: [] for w in WRITERS}
    with Sink() as sink:
        for k in range(rounds):
            for writer in WRITERS if k % 2 == 0 else WRITERS[::-1]:
                seconds = send_all(sink.url(), writer, messages, workers)
                rates[writer].append(n / seconds)
                log(f"  round {k + 1}: {writer:<5} {seconds:6.2f} s  {n / seconds:7.0f} messages/s")
    assert sink.counts["messages"] == 2 * n * rounds, sink.counts
    medians = {w: statistics.median(r) for w, r in rates.items()}
    ratios = [b / e for b, e in zip(rates["bytes"], rates["email"], strict=True)]
    result = {**{f"{w}_per_s": round(v, 1) for w, v in medians.items()}, "ratio": round(statistics.median(ratios), 2)}
    log(f"email package {medians['email']:.0f} messages/s; bytes {medians['bytes']:.0f} messages/s; "
        f"bytes/email {result['ratio']:.2f} (per round: {', '.join(f'{r:.2f}' for r in ratios)})")  # fmt: skip
    return result
