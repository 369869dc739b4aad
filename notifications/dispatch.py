"""Sending digests: e-mail through the configured SMTP server, anything else through its apprise URL.

Secrets in URLs may be written as ${NAME} and are filled from the environment at send time, so they
are never stored; every URL that is printed or stored in an error goes through `mask_url`, and so does
every URL in apprise's own log lines (`UrlMaskingFilter` on the "apprise" logger, installed when this
module is imported), which otherwise reach stderr and a Prefect worker's logs with the token or topic.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from models.addresses import URL_IN_TEXT, is_email, mask_url

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


class SendError(Exception):
    """A message that did not go out; the text is safe to store and show (no secrets)."""


def _expand(url: str) -> str:
    # ${NAME} placeholders keep tokens out of the registry and the database
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise SendError(f"the notification URL needs the environment variable {name}, which is not set")
        return os.environ[name]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", value, url)


class Notifier(Protocol):
    """Sends one message to one recipient (an e-mail address or an apprise URL), or raises SendError.

    `attachments` are paths of files to attach (e-mail only: the dispatcher passes none to other channels).
    """

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None: ...


@dataclass
class AppriseNotifier:
    """The real sender. `smtp_url` is an apprise mailto:// or mailtos:// URL without recipients."""

    smtp_url: str = ""

    def email_url(self, address: str) -> str:
        if not self.smtp_url:
            raise SendError(
                "no SMTP server configured: set ROADMAP_SMTP_URL (e.g. mailto://127.0.0.1:8025?from=roadmap@example.org)"
            )
        parts = urlsplit(self.smtp_url)
        if parts.scheme not in ("mailto", "mailtos"):
            raise SendError(f"ROADMAP_SMTP_URL must be a mailto:// or mailtos:// URL, found {mask_url(self.smtp_url)}")
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "to"] + [("to", address)]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None:
        import apprise

        email = is_email(recipient)
        url = _expand(self.email_url(recipient) if email else recipient)
        shown = recipient if email else mask_url(recipient)
        bundle = apprise.Apprise()
        if not bundle.add(url):
            raise SendError(f"not a usable notification URL: {shown}")
        # apprise 1.x: notify() returns True when sent, False when it failed, None when nothing was sent
        ok = bundle.notify(
            title=subject,
            body=html if email else text,
            body_format=apprise.NotifyFormat.HTML if email else apprise.NotifyFormat.TEXT,
            attach=list(attachments) if email and attachments else None,
        )
        if ok is not True:
            raise SendError(f"delivery to {shown} failed (the server refused or could not be reached)")


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


@dataclass
class RoutingNotifier:
    """E-mail through one notifier, every other channel through another (e.g. a recorder in a demo)."""

    email: Notifier
    other: Notifier

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None:
        (self.email if is_email(recipient) else self.other).send(recipient, subject, text, html, attachments)
