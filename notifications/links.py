"""Signed, expiring links from a message straight to one milestone's page (the web face reads them back).

A link names the milestone and the recipient it was sent to, signed with the site's key (ROADMAP_WEB_SECRET,
or a random key kept in the data folder, 0600) so that it cannot be altered or forged; it expires after
LINK_MAX_AGE. It signs nobody in: opening it without a session leads through the sign-in page, with the
recipient's address filled in, and back to the milestone.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from models.settings import Settings

LINK_MAX_AGE = 60 * 60 * 24 * 45  # a digest's links stay good for 45 days
SALT = "milestone-link"


def site_secret(settings: Settings) -> str:
    """ROADMAP_WEB_SECRET, else a random key kept in the data folder (0600), made on first use."""
    if settings.web_secret:
        return settings.web_secret
    path = settings.data_dir / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def link_maker(settings: Settings) -> Callable[[int, str], str] | None:
    """(milestone id, recipient) -> link, when the pages have an address (ROADMAP_WEB_URL); else None."""
    if not settings.web_url:
        return None
    sign = signer(site_secret(settings))
    base = settings.web_url.rstrip("/")

    def make(milestone_id: int, recipient: str) -> str:
        return f"{base}/m/{sign.dumps({'m': milestone_id, 'to': recipient})}"

    return make


def read_link(secret: str, token: str, max_age: int = LINK_MAX_AGE) -> dict[str, Any] | None:
    """What a link names ({"m": milestone id, "to": recipient}), or None when altered or expired."""
    try:
        data = signer(secret).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("m"), int) else None
