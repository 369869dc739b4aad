"""Write the store's next revision: `python -m models.migrations revision "what changed"`.

Autogenerates the revision by comparing models/store.py with a scratch SQLite store at head, and
writes it to models/migrations/versions/NNNN_slug.py. SQLite sees less than PostgreSQL would (it
keeps no time zone on timestamps, for one): read the revision, tidy it, and let
tests/test_migrations.py compare the result on both backends.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from alembic import command

from models.db import make_engine
from models.migrations import alembic_config, known_revisions, upgrade_to_head

USAGE = 'usage: python -m models.migrations revision "what changed"'
# alembic_version.version_num holds 32 characters
MAX_REVISION_ID = 32


def next_revision_id(message: str) -> str:
    """`NNNN_slug`: the number after the newest revision's, and the message's ASCII words."""
    number = max(int(revision.split("_", 1)[0]) for revision in known_revisions()) + 1
    prefix = f"{number:04d}_"
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_") or "revision"
    return (prefix + slug)[:MAX_REVISION_ID].rstrip("_")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "revision" or not argv[1].strip():
        print(USAGE, file=sys.stderr)
        return 2
    message = argv[1].strip()
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        try:
            upgrade_to_head(engine)
            with engine.begin() as connection:
                script = command.revision(
                    alembic_config(connection), message, autogenerate=True, rev_id=next_revision_id(message)
                )
        finally:
            engine.dispose()
    path = script.path if script is not None and not isinstance(script, list) else None
    print(f"wrote {path}: read it, tidy it and `ruff format` it before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
