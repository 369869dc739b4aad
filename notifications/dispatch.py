"""Sending messages: e-mail through the configured SMTP server (notifications/smtp.py), anything else
through its apprise URL (Telegram, Mattermost, ntfy, webhooks, …).

Secrets in URLs may be written as ${NAME} and are filled from the environment at send time, so they
are never stored; every URL that is printed or stored in an error goes through `mask_url`, and so does
every URL in apprise's own log lines (`UrlMaskingFilter` on the "apprise" logger, installed when this
module is imported), which otherwise reach stderr and a Prefect worker's logs with the token or topic.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from models.addresses import URL_IN_TEXT, is_email, mask_url
from notifications.errors import SendError, expand_secrets
from notifications.smtp import SmtpNotifier

# apprise logs what it posts at DEBUG: the body of an ntfy message carries its topic (the secret)
_POSTED = re.compile(r"\b(Payload|Headers|Params|Data)\s*:.*", re.DOTALL)


class UrlMaskingFilter(logging.Filter):
    """Rewrites a log record so that no URL in it shows more than `mask_url` does, nor a posted payload."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a record whose arguments do not fit its format: leave it alone
            return True
        masked = _POSTED.sub(r"\1: (hidden)", URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), message))
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def mask_apprise_logging() -> None:
    """Install the filter on apprise's logger, once (apprise logs every URL it loads or fails to reach)."""
    logger = logging.getLogger("apprise")
    if not any(isinstance(f, UrlMaskingFilter) for f in logger.filters):
        logger.addFilter(UrlMaskingFilter())


mask_apprise_logging()

__all__ = ["AppriseNotifier", "Notifier", "RecordingNotifier", "RoutingNotifier", "SendError", "make_notifier"]


class Notifier(Protocol):
    """Sends one message to one recipient (an e-mail address or an apprise URL), or raises SendError.

    `attachments` are paths of files to attach (e-mail only: the dispatcher passes none to other channels).
    """

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None: ...

    def close(self) -> None:
        """Release what the notifier holds open (SMTP connections); it may be used again afterwards."""


@dataclass
class AppriseNotifier:
    """The real sender for every channel but e-mail: the recipient is an apprise URL."""

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None:
        import apprise

        shown = mask_url(recipient)
        if is_email(recipient):
            raise SendError(f"an e-mail address goes through the SMTP server, not apprise: {recipient}")
        bundle = apprise.Apprise()
        if not bundle.add(expand_secrets(recipient)):
            raise SendError(f"not a usable notification URL: {shown}")
        # apprise 1.x: notify() returns True when sent, False when it failed, None when nothing was sent
        ok = bundle.notify(title=subject, body=text, body_format=apprise.NotifyFormat.TEXT)
        if ok is not True:
            raise SendError(f"delivery to {shown} failed (the service refused or could not be reached)")

    def close(self) -> None:
        return None


@dataclass
class RecordingNotifier:
    """A stand-in for channels outside this machine (Telegram, a messenger): records what it was given."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)
    attached: dict[str, list[str]] = field(default_factory=dict)  # recipient -> files it was given

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None:
        if recipient in self.fail_for:
            raise SendError(f"delivery to {mask_url(recipient) if '://' in recipient else recipient} failed")
        self.sent.append((recipient, subject, text))
        if attachments:
            self.attached.setdefault(recipient, []).extend(attachments)

    def close(self) -> None:
        return None


@dataclass
class RoutingNotifier:
    """E-mail through one notifier, every other channel through another (e.g. a recorder in a demo)."""

    email: Notifier
    other: Notifier

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None:
        (self.email if is_email(recipient) else self.other).send(recipient, subject, text, html, attachments)

    def close(self) -> None:
        self.email.close()
        self.other.close()


def make_notifier(smtp_url: str, *, external: Literal["send", "record"] = "send") -> tuple[Notifier, RecordingNotifier]:
    """The notifier a flow sends with: e-mail through `smtp_url`, other channels through apprise.

    With `external="record"` nothing but e-mail leaves the machine: other channels go to the returned
    recorder (demos, tests).
    """
    recorder = RecordingNotifier()
    other: Notifier = AppriseNotifier() if external == "send" else recorder
    return RoutingNotifier(email=SmtpNotifier(smtp_url), other=other), recorder
