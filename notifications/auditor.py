"""The weekly message to the auditor: the latest signed checkpoint of the audit history and whether it verified.

The auditor keeps these messages: each checkpoint they hold lets them check later, with
`roadmap audit verify --checkpoint FILE`, that the history up to it was not rewritten, truncated or
replaced by an older copy. The message is in Russian; the checkpoint itself is attached as JSON to
e-mail (other channels get its values in the text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from jinja2 import Environment

from notifications.templating import make_environment


@dataclass(frozen=True)
class AuditorMessage:
    """What the auditor is told: the history's length, whether it verified, the checkpoint, what was found."""

    events: int
    verified: bool
    checkpoint: dict[str, object] | None  # audit.checkpoints.checkpoint_summary plus "public_key"
    checked_on: str  # dd.mm.yyyy hh:mm, local
    problems: list[str] = field(default_factory=list)
    attachment: str = ""  # the exported checkpoint's file name, when it is attached


@lru_cache(maxsize=1)
def _env() -> Environment:
    return make_environment()


def subject_for(message: AuditorMessage) -> str:
    if not message.verified:
        return f"ВНИМАНИЕ: журнал аудита дорожных карт не прошёл проверку ({message.checked_on})"
    if message.checkpoint is None:
        return f"Журнал аудита дорожных карт: проверен, не подписан ({message.checked_on})"
    return (
        f"Журнал аудита дорожных карт: контрольная точка, событие {message.checkpoint['size']} ({message.checked_on})"
    )


def render(message: AuditorMessage) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the message."""
    subject = subject_for(message)
    context = {"m": message, "subject": subject}
    text = _env().get_template("auditor_checkpoint.txt.j2").render(**context)
    html = _env().get_template("auditor_checkpoint.html.j2").render(**context)
    return subject, text, html
