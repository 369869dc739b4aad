"""The Merkle tree of the chain, as RFC 6962 (Certificate Transparency) defines it.

The leaves are the events' hashes, in chain order. A checkpoint signs the tree's root beside the
chain's length and head, so one event can be shown to be in the signed history with log2(n) hashes
(an inclusion proof) instead of every event after it, and without showing anyone else's events.
The definitions follow RFC 6962 section 2.1 (RFC 9162 section 2.1.3.2 for verifying a proof);
tests/test_audit_merkle.py checks them against Certificate Transparency's published test vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf(event_hash: str) -> bytes:
    """The leaf of one event: its chain hash (hex) as 32 bytes."""
    return leaf_hash(bytes.fromhex(event_hash))


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of already-hashed leaves."""
    if not leaves:
        return EMPTY_ROOT
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


@dataclass
class Frontier:
    """The perfect subtrees covering the leaves so far (a compact range): append in O(1), root in O(log n).

    Verification appends every event's leaf once and asks for the root at each checkpoint's size.
    """

    sizes: list[int] = field(default_factory=list)
    hashes: list[bytes] = field(default_factory=list)
    count: int = 0

    def append(self, leaf: bytes) -> None:
        size, value = 1, leaf
        while self.sizes and self.sizes[-1] == size:
            self.sizes.pop()
            value = node_hash(self.hashes.pop(), value)
            size *= 2
        self.sizes.append(size)
        self.hashes.append(value)
        self.count += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        value = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            value = node_hash(left, value)
        return value


def inclusion_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]): the sibling hashes from leaf `index` up to the root of `leaves`."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    path: list[bytes] = []
    lo, hi, m = 0, len(leaves), index
    siblings: list[tuple[int, int]] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            siblings.append((lo + k, hi))
            hi = lo + k
        else:
            siblings.append((lo, lo + k))
            lo, m = lo + k, m - k
    for a, b in reversed(siblings):
        path.append(root(leaves[a:b]))
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes) -> bool:
    """Whether `path` proves `leaf` is entry `index` of the tree of `size` leaves whose root is `expected_root`."""
    if not 0 <= index < size:
        return False
    fn, sn, value = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            value = node_hash(value, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and value == expected_root
