"""What every channel shares: the error a failed send raises, and secrets filled in from the environment."""

from __future__ import annotations

import os
import re

SECRET = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SendError(Exception):
    """A message that did not go out; the text is safe to store and show (no secrets)."""


def expand_secrets(url: str) -> str:
    """Fill `${NAME}` placeholders from the environment: tokens stay out of the registry and the store."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise SendError(f"the notification URL needs the environment variable {name}, which is not set")
        return os.environ[name]

    return SECRET.sub(value, url)
