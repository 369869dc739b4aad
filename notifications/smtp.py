"""E-mail through one SMTP server over reused connections: the default channel, sent without apprise.

apprise builds a fresh TLS context and a fresh connection for every message (about 40 e-mails a
second here, and an error that only says "failed"); a region's sweep sends thousands of digests. This
sender keeps one connection per sending thread open for the whole run, builds the TLS context once,
and turns every failure into a sentence an operator can act on ("SMTP connection refused at
127.0.0.1:25"), the same for every message that failed the same way, so a failure count can group them.

ROADMAP_SMTP_URL keeps apprise's mailto syntax, so existing settings go on working:
`mailto://[user:password@]host[:port]?from=roadmap@example.org` (plain SMTP, port 25) and
`mailtos://…` (STARTTLS, port 587; `mode=ssl` for implicit TLS, port 465); `smtp=HOST` names the
server when the host part is a mail domain, `user=`/`pass=` may replace the user part, `name=` is
the sender's display name. Secrets may be written `${NAME}` and are filled from the environment.
"""

from __future__ import annotations

import mimetypes
import smtplib
import socket
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from models.addresses import mask_url
from notifications.errors import SendError, expand_secrets

SCHEMES = ("mailto", "mailtos")
MODES = ("plain", "starttls", "ssl")
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: parsed once from ROADMAP_SMTP_URL."""

    host: str
    port: int
    mode: str  # plain, starttls or ssl
    sender: str  # the From address
    sender_name: str = ""
    user: str = ""
    password: str = field(default="", repr=False)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """Parse an apprise-style mailto:// URL; SendError (URL masked) when it cannot be used."""
        if not url:
            raise SendError(
                "no SMTP server configured: set ROADMAP_SMTP_URL (e.g. mailto://127.0.0.1:8025?from=roadmap@example.org)"
            )
        parts = urlsplit(expand_secrets(url))
        if parts.scheme not in SCHEMES:
            raise SendError(f"ROADMAP_SMTP_URL must be a mailto:// or mailtos:// URL, found {mask_url(url)}")
        query = dict(parse_qsl(parts.query))
        mode = query.get("mode", "starttls" if parts.scheme == "mailtos" else "plain").lower()
        mode = {"insecure": "plain", "tls": "starttls", "smtps": "ssl"}.get(mode, mode)
        if mode not in MODES:
            raise SendError(f"ROADMAP_SMTP_URL: mode must be one of {', '.join(MODES)}, found «{mode}»")
        host = query.get("smtp") or parts.hostname or ""
        if not host:
            raise SendError(f"ROADMAP_SMTP_URL names no SMTP server: {mask_url(url)}")
        try:
            port = parts.port or {"plain": 25, "starttls": 587, "ssl": 465}[mode]
        except ValueError:
            raise SendError(f"ROADMAP_SMTP_URL has a port that is not a number: {mask_url(url)}") from None
        user = unquote(query.get("user") or parts.username or "")
        name, address = parseaddr(query.get("from", ""))
        if not address:
            domain = parts.hostname if parts.hostname and "." in parts.hostname else host
            address = f"{user or 'roadmap'}@{domain}" if "@" not in user else user
        return cls(
            host=host, port=port, mode=mode, sender=address, sender_name=query.get("name") or name, user=user,
            password=unquote(query.get("pass") or parts.password or ""),
        )  # fmt: skip


def build_message(
    server: SmtpServer, to: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()
) -> Message:
    """A multipart message: plain text and HTML alternatives, then the files that still exist.

    Built with the email package's classic MIME classes and `Header`: the newer EmailMessage folds long
    encoded (Cyrillic) subjects and drops the space between two of their words at some fold positions
    («журналааудита»); `Header` encodes the whole text, spaces included.
    """
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(text, "plain", "utf-8"))
    if html:
        body.attach(MIMEText(html, "html", "utf-8"))
    files = [Path(name) for name in attachments if Path(name).is_file()]
    message: Message = body
    if files:
        message = MIMEMultipart("mixed")
        message.attach(body)
        for path in files:
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            maintype, _, subtype = kind.partition("/")
            part = MIMEBase(maintype, subtype)
            part.set_payload(path.read_bytes())
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", path.name))
            message.attach(part)
    message["From"] = formataddr((server.sender_name, server.sender), charset="utf-8") if server.sender_name \
        else server.sender  # fmt: skip
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # compat32 takes a Header
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=server.sender.rpartition("@")[2] or None)
    # RFC 3834: no vacation auto-replies to a robot
    message["Auto-Submitted"] = "auto-generated"
    return message


def explain(exc: BaseException, server: SmtpServer) -> str:
    """One sentence for a failure, the same for every message that failed the same way (no recipient in it)."""
    where = server.where
    if isinstance(exc, ConnectionRefusedError):
        return f"SMTP connection refused at {where}"
    if isinstance(exc, socket.gaierror):
        return f"SMTP server {server.host} not found (DNS: {exc.strerror})"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"SMTP server at {where} did not answer within {TIMEOUT_SECONDS:.0f} s"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"SMTP login refused at {where} ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({f"{code} {_text(msg)}" for code, msg in exc.recipients.values()})
        return f"the SMTP server at {where} refused the recipient: {'; '.join(codes)}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the SMTP server at {where} refused the sender {server.sender}: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the SMTP server at {where} refused the message: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"the SMTP server at {where} does not support STARTTLS (use mailto:// for plain SMTP)"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with the SMTP server at {where} failed: {exc.reason or exc}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the SMTP server at {where} closed the connection"
    if isinstance(exc, OSError):
        return f"SMTP connection to {where} failed: {exc.strerror or exc}"
    return f"sending through {where} failed: {type(exc).__name__}"


def _text(value: bytes | str) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()


class SmtpNotifier:
    """Sends e-mail through one server; one open connection per sending thread, reused until close()."""

    def __init__(self, smtp_url: str) -> None:
        self._url = smtp_url
        self._server: SmtpServer | None = None
        self._context: ssl.SSLContext | None = None
        self._local = threading.local()
        self._open: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    @property
    def server(self) -> SmtpServer:
        if self._server is None:
            self._server = SmtpServer.from_url(self._url)
        return self._server

    def _tls(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context()
        return self._context

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        connection: smtplib.SMTP
        if server.mode == "ssl":
            connection = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=self._tls())
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
            if server.mode == "starttls":
                connection.starttls(context=self._tls())
        if server.user:
            connection.login(server.user, server.password)
        with self._lock:
            self._open.append(connection)
        return connection

    def _connection(self) -> smtplib.SMTP:
        connection: smtplib.SMTP | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                if connection in self._open:
                    self._open.remove(connection)
            try:
                connection.close()
            except OSError:
                pass

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None:
        message = build_message(self.server, recipient, subject, text, html, attachments)
        # a connection the server closed since the last message (idle timeout) is opened again once
        for attempt in (1, 2):
            try:
                self._connection().send_message(message, from_addr=self.server.sender, to_addrs=[recipient])
                return
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if attempt == 2:
                    raise SendError(explain(exc, self.server)) from None
            except smtplib.SMTPRecipientsRefused as exc:
                # the connection is still good; only this address was refused
                raise SendError(explain(exc, self.server)) from None
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                raise SendError(explain(exc, self.server)) from None

    def close(self) -> None:
        """Say QUIT on every connection still open."""
        with self._lock:
            connections, self._open = self._open, []
        for connection in connections:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
