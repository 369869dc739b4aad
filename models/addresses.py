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
    shown = re.fullmatch(r"(?:localhost|[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?", host)
    if not shown:
        return match.group(0) + MASK
    tail = "/" + MASK if len(rest) > len(authority) else ""
    return match.group(0) + (MASK + "@" if at else "") + host + tail
