"""The Merkle tree is RFC 6962's: Certificate Transparency's published test vectors, and every proof of every size."""

from __future__ import annotations

import hashlib

import pytest

from audit.merkle import EMPTY_ROOT, Frontier, inclusion_path, leaf_hash, root, verify_inclusion

# Certificate Transparency's reference entries and the tree head after each (RFC 6962 test data, as published
# with the reference implementations)
ENTRIES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {  # (leaf index, tree size): the published audit path
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}  # fmt: skip
LEAVES = [leaf_hash(bytes.fromhex(e)) for e in ENTRIES]


def test_the_tree_heads_are_certificate_transparencys():
    assert EMPTY_ROOT.hex() == hashlib.sha256(b"").hexdigest() == root([]).hex()
    for size in range(1, len(LEAVES) + 1):
        assert root(LEAVES[:size]).hex() == ROOTS[size - 1], size


def test_the_frontier_gives_the_root_at_every_size_as_it_grows():
    frontier = Frontier()
    for size, leaf in enumerate(LEAVES, start=1):
        frontier.append(leaf)
        assert frontier.root().hex() == ROOTS[size - 1]
        assert frontier.count == size


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_inclusion_paths_are_the_published_ones(index: int, size: int):
    path = inclusion_path(LEAVES[:size], index)
    assert [p.hex() for p in path] == INCLUSION[(index, size)]
    assert verify_inclusion(LEAVES[index], index, size, path, bytes.fromhex(ROOTS[size - 1]))


def test_every_leaf_is_proved_in_every_tree_and_nothing_else_is():
    leaves = [leaf_hash(bytes([i, i * 7 % 256])) for i in range(37)]
    for size in range(1, len(leaves) + 1):
        tree, top = leaves[:size], root(leaves[:size])
        for index in range(size):
            path = inclusion_path(tree, index)
            assert verify_inclusion(tree[index], index, size, path, top)
            assert len(path) <= (size - 1).bit_length()
            # a proof holds for its own leaf, position and tree only
            other = (index + 1) % size
            if other != index:
                assert not verify_inclusion(tree[other], index, size, path, top)
                assert not verify_inclusion(tree[index], other, size, path, top)
            # (the tree size is not proved by the path alone, whose shape a tree one larger may share:
            # the checkpoint signs the size beside the root)
            assert not verify_inclusion(tree[index], index, size, path, leaf_hash(top))
            if path:
                bent = [path[0][:-1] + bytes([path[0][-1] ^ 1]), *path[1:]]
                assert not verify_inclusion(tree[index], index, size, bent, top)


def test_a_leaf_outside_the_tree_has_no_path():
    with pytest.raises(ValueError, match="leaf 3 is not in a tree of 3"):
        inclusion_path(LEAVES[:3], 3)
    assert not verify_inclusion(LEAVES[0], 3, 3, [], bytes(32))
