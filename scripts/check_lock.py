"""Check that .venv holds exactly the locked package set (constraints.txt); exit 1 naming the drift."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
IGNORED = {"pip", "setuptools", "wheel", "roadmap-engine"}


def locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def installed() -> dict[str, str]:
    return {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in metadata.distributions()
        if canonicalize_name(d.metadata["Name"]) not in IGNORED
    }


def drift() -> list[str]:
    pins, have = locked(), installed()
    out = [f"{name} {version} is installed but not in constraints.txt" for name, version in sorted(have.items())
           if name not in pins]  # fmt: skip
    out += [f"{name} is {have[name]}, constraints.txt locks {pins[name]}" for name in sorted(have)
            if name in pins and have[name] != pins[name]]  # fmt: skip
    return out


if __name__ == "__main__":
    problems = drift()
    for problem in problems:
        print(f"error: lock drift: {problem}", file=sys.stderr)
    if problems:
        print("fix: bash scripts/upgrade-deps.sh --keep (locks what is missing and runs the tests)", file=sys.stderr)
        sys.exit(1)
