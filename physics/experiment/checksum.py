"""Content checksums of HDF5 files: a SHA-256 over everything a file stores.

:func:`content_digest` hashes, in a canonical order (object paths sorted by name), every
attribute (name, type, value) of the file and of each group and dataset, and every dataset's
name, dtype, shape and data bytes (C order). The digest is stored in the file's root attribute
:data:`CHECKSUM_ATTR`, which is the one thing left out of the hash; it is written last, just
before the file is closed and atomically renamed (:func:`stamp`), and checked on every read
(:func:`verify`). A flipped byte anywhere in the data, a changed attribute, an added or removed
dataset all change the digest.

Large compressed datasets (snapshots) can be left out of the digest's *data* (their name, dtype
and shape are still hashed): they are written with HDF5's per-chunk Fletcher32 checksum, which
HDF5 verifies for each chunk it reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from typing import Any

import h5py
import numpy as np

#: Root attribute holding the hex SHA-256 of the file's content.
CHECKSUM_ATTR = "content_sha256"


def _value_bytes(value: Any) -> bytes:
    """Canonical bytes of an attribute value (str, bytes, numbers, arrays)."""
    if isinstance(value, str):
        return b"s" + value.encode("utf-8")
    if isinstance(value, bytes):
        return b"b" + value
    arr = np.asarray(value)
    if arr.dtype.kind in "OUS":
        return b"j" + json.dumps(arr.tolist(), default=str, sort_keys=True).encode()
    arr = np.ascontiguousarray(arr)
    return f"a{arr.dtype.str}{arr.shape}".encode() + arr.tobytes()


def content_digest(fh: h5py.File, *, data_excluded: Collection[str] = ()) -> str:
    """Hex SHA-256 of the content of the open file ``fh`` (see the module docstring);
    ``data_excluded``: dataset paths (e.g. ``"snapshots/m"``) whose data bytes are not hashed
    (their name, dtype, shape and attributes are)."""
    digest = hashlib.sha256()

    def feed(tag: str, payload: bytes = b"") -> None:
        head = tag.encode("utf-8")
        digest.update(len(head).to_bytes(8, "little") + head)
        digest.update(len(payload).to_bytes(8, "little") + payload)

    def attrs(obj: Any, where: str) -> None:
        for name in sorted(obj.attrs):
            if where == "/" and name == CHECKSUM_ATTR:
                continue
            feed(f"attr {where}@{name}", _value_bytes(obj.attrs[name]))

    attrs(fh, "/")
    names: list[str] = []
    fh.visit(names.append)
    for name in sorted(names):
        obj = fh[name]
        if isinstance(obj, h5py.Dataset):
            feed(f"dataset {name}", f"{obj.dtype.str} {obj.shape}".encode())
            attrs(obj, name)
            if name not in data_excluded:
                feed("data", _value_bytes(obj[()]))
        else:
            feed(f"group {name}")
            attrs(obj, name)
    return digest.hexdigest()


def stamp(fh: h5py.File, *, data_excluded: Collection[str] = ()) -> str:
    """Write the content digest into ``fh`` (open for writing, every other object already
    written) and return it."""
    value = content_digest(fh, data_excluded=data_excluded)
    fh.attrs[CHECKSUM_ATTR] = value
    return value


def verify(fh: h5py.File, *, data_excluded: Collection[str] = ()) -> str | None:
    """None when the stored digest matches the content of ``fh``, else the reason (one
    line): no stored digest, or a mismatch."""
    stored = fh.attrs.get(CHECKSUM_ATTR)
    if stored is None:
        return "no content checksum"
    if isinstance(stored, bytes):
        stored = stored.decode()
    if content_digest(fh, data_excluded=data_excluded) != stored:
        return "content checksum mismatch (the file was changed or damaged after it was written)"
    return None
