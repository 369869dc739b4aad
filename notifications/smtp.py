"""E-mail through one SMTP server over reused connections: the default channel, sent without apprise.

apprise builds a fresh TLS context and a fresh connection for every message (about 40 e-mails a
second here, and an error that only says "failed"); a region's sweep sends thousands of digests. This
sender keeps one connection per sending thread open for the whole run, builds the TLS context once,
writes each message directly as the bytes it sends (`message_bytes`: building and flattening it with the
email package was most of a dispatch's time), and turns every failure into a sentence an operator can act
on ("SMTP connection refused at 127.0.0.1:25"), the same for every message that failed the same way, so a
failure count can group them.

ROADMAP_SMTP_URL keeps apprise's mailto syntax, so existing settings go on working:
`mailto://[user:password@]host[:port]?from=roadmap@example.org` (plain SMTP, port 25) and
`mailtos://…` (STARTTLS, port 587; `mode=ssl` for implicit TLS, port 465); `smtp=HOST` names the
server when the host part is a mail domain, `user=`/`pass=` may replace the user part, `name=` is
the sender's display name. Secrets may be written `${NAME}` and are filled from the environment.
"""

from __future__ import annotations

import binascii
import mimetypes
import random
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
from email.utils import encode_rfc2231, formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Literal
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
    """A multipart message: plain text and HTML alternatives, then the files that still exist. What goes out is
    `message_bytes`, the same message written directly; this one is sent for an internationalised address
    (SMTPUTF8) and is the reference the tests and `python -m benchmarks mime` compare those bytes with.

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


# RFC 2047 encoded words of at most 42 bytes of UTF-8 each: "=?utf-8?b?" + 56 characters of base64 + "?=" is 68
# characters, so "Subject: " and the first word, and a folded line's space and word, stay within 78
_WORD_BYTES = 42
_BASE64_LINE = 76  # characters of base64 on a body line (RFC 2045)


def encoded_words(text: str) -> bytes:
    """`text` as RFC 2047 "B" encoded words of UTF-8, folded one to a line; whole characters in each word, and
    every space inside a word (a reader drops the whitespace between two words, so none may be lost there)."""
    data = text.encode("utf-8")
    words = []
    start = 0
    while start < len(data):
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # not inside a character
            end -= 1
        words.append(b"=?utf-8?b?" + binascii.b2a_base64(data[start:end], newline=False) + b"?=")
        start = end
    return b"\r\n ".join(words) if words else b""


def base64_body(data: bytes) -> bytes:
    """A body in base64, lines of 76 characters ending in CRLF."""
    encoded = binascii.b2a_base64(data, newline=False)
    return b"".join(encoded[i : i + _BASE64_LINE] + b"\r\n" for i in range(0, len(encoded), _BASE64_LINE))


def _boundary() -> bytes:
    # base64 has no "-" nor "_": no line of a part can read as this boundary
    return b"=_roadmap_%032x" % random.getrandbits(128)


def _text_part(subtype: bytes, text: str) -> bytes:
    return (b'Content-Type: text/' + subtype + b'; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + base64_body(text.encode("utf-8")))  # fmt: skip


def _multipart(subtype: bytes, boundary: bytes, parts: list[bytes]) -> tuple[bytes, bytes]:
    """(the Content-Type header's line, the body) of a multipart entity."""
    header = b"Content-Type: multipart/" + subtype + b';\r\n boundary="' + boundary + b'"\r\n'
    body = b"".join(b"--" + boundary + b"\r\n" + part for part in parts) + b"--" + boundary + b"--\r\n"
    return header, body


def from_header(server: SmtpServer) -> bytes:
    """The From header's value: the sender's display name (one encoded word when not ASCII: a reader of an
    address header puts a space between two encoded words of a name) and address, as `build_message` writes it."""
    value = formataddr((server.sender_name, server.sender), charset="utf-8") if server.sender_name \
        else server.sender  # fmt: skip
    lines, line = [], "From:"
    for token in value.split(" "):  # folded at its spaces into lines of at most 78 where the words allow
        if len(line) + 1 + len(token) > 78 and line != "From:":
            lines.append(line)
            line = ""
        line += " " + token
    return "\r\n".join([*lines, line]).removeprefix("From: ").encode("ascii")


def message_bytes(
    server: SmtpServer, to: str, subject: str, text: str, html: str, attachments: Sequence[str] = (), *,
    sender: bytes | None = None,
) -> bytes:  # fmt: skip
    """The message `build_message` builds, written directly as the bytes sent (CRLF lines): the same headers,
    parts and content, without the email package's objects and generator (most of a dispatch's time went
    there, in Python under the GIL). ASCII addresses only (`can_write`); `sender` is `from_header(server)`,
    passed by a caller that sends many."""
    parts = [_text_part(b"plain", text)] + ([_text_part(b"html", html)] if html else [])
    content_type, body = _multipart(b"alternative", _boundary(), parts)
    files = [Path(name) for name in attachments if Path(name).is_file()]
    if files:
        mixed = [content_type + b"\r\n" + body]
        for path in files:
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            disposition = "attachment; filename*=" + encode_rfc2231(path.name, "utf-8")
            mixed.append(b"Content-Type: " + kind.encode("ascii") + b"\r\nContent-Transfer-Encoding: base64\r\n"
                         b"Content-Disposition: " + disposition.encode("ascii") + b"\r\n\r\n"
                         + base64_body(path.read_bytes()))  # fmt: skip
        content_type, body = _multipart(b"mixed", _boundary(), mixed)
    domain = server.sender.rpartition("@")[2] or None
    headers = (
        content_type + b"MIME-Version: 1.0\r\nFrom: " + (sender or from_header(server))
        + b"\r\nTo: " + to.encode("ascii") + b"\r\nSubject: " + encoded_words(subject)
        + b"\r\nDate: " + formatdate(localtime=False, usegmt=True).encode("ascii")
        + b"\r\nMessage-ID: " + make_msgid(domain=domain).encode("ascii")
        + b"\r\nAuto-Submitted: auto-generated\r\n\r\n"  # RFC 3834: no vacation auto-replies to a robot
    )  # fmt: skip
    return headers + body


def can_write(server: SmtpServer, to: str) -> bool:
    """Whether `message_bytes` writes this message: ASCII addresses (an internationalised one needs SMTPUTF8,
    which smtplib's send_message negotiates, so such a message goes through `build_message`)."""
    return to.isascii() and server.sender.isascii() and "\n" not in to and "\r" not in to


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

    def __init__(self, smtp_url: str, *, writer: Literal["bytes", "email"] = "bytes") -> None:
        self._url = smtp_url
        self._writer = writer  # "email": every message through build_message (the benchmark's comparison)
        self._from: bytes | None = None
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
        server = self.server
        message: bytes | Message
        if self._writer == "bytes" and can_write(server, recipient):
            if self._from is None:
                self._from = from_header(server)
            message = message_bytes(server, recipient, subject, text, html, attachments, sender=self._from)
        else:
            message = build_message(server, recipient, subject, text, html, attachments)
        # a connection the server closed since the last message (idle timeout) is opened again once
        for attempt in (1, 2):
            try:
                if isinstance(message, bytes):
                    self._connection().sendmail(server.sender, [recipient], message)
                else:
                    self._connection().send_message(message, from_addr=server.sender, to_addrs=[recipient])
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
