"""Notification addresses: e-mail syntax, and URLs made safe to print (no tokens, no passwords)."""

from __future__ import annotations

import re

EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}$")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
MASK = "***"


def is_email(value: str) -> bool:
    """A plain address `local@domain.tld`: no display name, no spaces, one @, a dotted domain (IDN allowed)."""
    local, at, domain = value.rpartition("@")
    if not at or not EMAIL_LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or labels[-1].isdigit():
        return False
    return all(
        0 < len(lb) <= 63 and lb.replace("-", "").isalnum() and not lb.startswith("-") and not lb.endswith("-")
        for lb in labels
    )


PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_HOST = re.compile(r"(?:localhost|[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


def _hidden(url: str) -> list[str]:
    """The parts of a URL that `mask_url` hides: user and password, a host that is no host name, path and query."""
    match = URL_SCHEME.match(url)
    if not match:
        return [url]
    rest = url[match.end() :]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    user, _at, host = authority.rpartition("@")
    parts = [user, rest[len(authority) :]]
    if not _HOST.fullmatch(host):
        parts.append(host)
    return [p for p in parts if p]


def inline_secret(url: str) -> bool:
    """Whether an apprise URL holds, as written, something that `mask_url` hides (in most apprise URLs a token,
    a password or an ntfy topic, which is its secret) rather than a ${NAME} filled from the environment."""
    return any(re.search(r"[A-Za-z0-9]", PLACEHOLDER.sub("", part)) for part in _hidden(url))


def mask_url(url: str) -> str:
    """The URL safe to print: scheme and host kept, everything else after `://` replaced by ***.

    A host is kept only when it looks like a host name or address (dotted, or localhost, with an
    optional numeric port): in many apprise URLs the first part is a token (tgram://BOT_TOKEN/…).
    """
    match = URL_SCHEME.match(url)
    if not match:
        return MASK
    rest = url[match.end() :]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    _, at, host = authority.rpartition("@")
    shown = _HOST.fullmatch(host)
    if not shown:
        return match.group(0) + MASK
    tail = "/" + MASK if len(rest) > len(authority) else ""
    return match.group(0) + (MASK + "@" if at else "") + host + tail


EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
URL_IN_TEXT = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)


def mask_email(address: str) -> str:
    """An e-mail address with its mailbox hidden but its first letter and domain kept: s***@example.org."""
    local, _at, domain = address.rpartition("@")
    return f"{local[:1]}{MASK}@{domain}"


def mask_contacts(value: object) -> object:
    """The value (a string, or lists and mappings of them) with every e-mail address and URL in it masked."""
    if isinstance(value, str):
        masked = URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), value)
        return EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), masked)
    if isinstance(value, list):
        return [mask_contacts(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_contacts(v) for k, v in value.items()}
    return value
