"""Fashion-MNIST from local files, verified against the official checksums.

Two layouts are read, both offline:

* ``train.npz`` / ``test.npz`` with keys ``x`` (N, 28, 28) uint8 and ``y`` (N,) uint8 (the
  project's copies in ``../shared/datasets/fashion_mnist``);
* the official IDX files ``{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`` (Zalando's
  release, or Debian's ``dataset-fashion-mnist`` package in ``/usr/share/datasets/fashion-mnist``).

Integrity is checked on the *decompressed IDX bytes* against the MD5s published with the
dataset. This one check covers the official ``.gz`` files, Debian's re-headered ``.gz`` files
(same deflate stream, different gzip header) and the npz copies (their arrays are the IDX
payload: the IDX header is rebuilt from the array shape before hashing).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, model_validator

from geometries.validation import ARRAY_CONFIG, config_dataclass
from nn.data_paths import find_dataset_dir

#: Folder names searched inside each data directory.
DATASET_DIR_NAMES: tuple[str, ...] = ("fashion_mnist", "fashion-mnist", "FashionMNIST")

#: Official IDX file stems, by (split, kind).
IDX_FILES: dict[tuple[str, str], str] = {
    ("train", "x"): "train-images-idx3-ubyte",
    ("train", "y"): "train-labels-idx1-ubyte",
    ("test", "x"): "t10k-images-idx3-ubyte",
    ("test", "y"): "t10k-labels-idx1-ubyte",
}

#: MD5 of the decompressed official IDX files (Fashion-MNIST README; ../shared/datasets/README.md).
IDX_MD5: dict[str, str] = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}

HOW_TO_GET = (
    "Get Fashion-MNIST with `apt-get install dataset-fashion-mnist` (Debian; installs "
    "/usr/share/datasets/fashion-mnist), or put the four official files "
    "{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz from "
    "https://github.com/zalandoresearch/fashion-mnist (data/fashion) or train.npz/test.npz "
    "(keys x, y) into <DIR>/fashion_mnist and pass --data DIR or set DWMTJ_DATA=DIR"
)

_IDX_DTYPE_CODE = 0x08  # unsigned byte, the only type Fashion-MNIST uses


def _images(x: np.ndarray) -> np.ndarray:
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"need uint8 images of shape (N, 28, 28), got {x.dtype} {x.shape}")
    return x


def _labels(y: np.ndarray) -> np.ndarray:
    if y.ndim != 1:
        raise ValueError(f"need one label per image, got shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise ValueError("labels must be in 0..9")
    return y


_Images = Annotated[np.ndarray, AfterValidator(_images)]
_Labels = Annotated[np.ndarray, AfterValidator(_labels)]


@config_dataclass(config=ARRAY_CONFIG)
class FashionMNIST:
    """The dataset as uint8 arrays: images (N, 28, 28) with pixels 0..255, labels (N,) in 0..9."""

    x_train: _Images
    y_train: _Labels
    x_test: _Images
    y_test: _Labels
    source: str

    @model_validator(mode="after")
    def _one_label_per_image(self) -> FashionMNIST:
        for xn, yn in (("x_train", "y_train"), ("x_test", "y_test")):
            y = getattr(self, yn)
            if y.shape[0] != getattr(self, xn).shape[0]:
                raise ValueError(f"{yn}: need one label per image of {xn}, got shape {y.shape}")
        return self


def idx_header(shape: tuple[int, ...]) -> bytes:
    """The IDX header (magic number and big-endian dimensions) of a uint8 array of ``shape``."""
    magic = bytes([0, 0, _IDX_DTYPE_CODE, len(shape)])
    return magic + np.asarray(shape, dtype=">i4").tobytes()


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Parse the bytes of an uncompressed IDX file of unsigned bytes into an array."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{name}: not an IDX file (bad magic number)")
    if raw[2] != _IDX_DTYPE_CODE:
        raise ValueError(f"{name}: IDX data type 0x{raw[2]:02x} is not unsigned byte")
    ndim = raw[3]
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise ValueError(f"{name}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header_len], dtype=">i4"))
    count = int(np.prod(shape))
    if len(raw) - header_len != count:
        raise ValueError(
            f"{name}: IDX header promises {count} bytes of data, file has {len(raw) - header_len}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape)


def _read_idx_file(folder: Path, stem: str, checksums: dict[str, str] | None) -> np.ndarray:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            raw = candidate.read_bytes()
            if candidate.suffix == ".gz":
                raw = gzip.decompress(raw)
            if checksums is not None:
                md5 = hashlib.md5(raw).hexdigest()
                if md5 != checksums[stem]:
                    raise ValueError(
                        f"{candidate}: MD5 of the decompressed IDX data is {md5}, expected "
                        f"{checksums[stem]} (corrupt or not the official file). {HOW_TO_GET}"
                    )
            return parse_idx(raw, str(candidate))
    raise FileNotFoundError(f"{folder / (stem + '.gz')}: missing Fashion-MNIST file. {HOW_TO_GET}")


def _verify_array(arr: np.ndarray, stem: str, where: str, checksums: dict[str, str]) -> None:
    md5 = hashlib.md5(idx_header(arr.shape) + np.ascontiguousarray(arr).tobytes()).hexdigest()
    if md5 != checksums[stem]:
        raise ValueError(
            f"{where}: array content differs from the official {stem} (MD5 {md5}, "
            f"expected {checksums[stem]}). {HOW_TO_GET}"
        )


def load_from_folder(
    folder: str | os.PathLike[str], checksums: dict[str, str] | None = IDX_MD5
) -> FashionMNIST:
    """Load Fashion-MNIST from ``folder`` (npz pair preferred, else the IDX files).

    ``checksums=None`` skips verification (for hand-made test files).
    """
    folder = Path(folder)
    npz = {split: folder / f"{split}.npz" for split in ("train", "test")}
    arrays: dict[tuple[str, str], np.ndarray] = {}
    if all(p.is_file() for p in npz.values()):
        for split, path in npz.items():
            with np.load(path, allow_pickle=False) as data:
                for kind in ("x", "y"):
                    if kind not in data:
                        raise ValueError(f"{path}: missing key {kind!r} (need keys x, y)")
                    arrays[(split, kind)] = np.asarray(data[kind], dtype=np.uint8)
                    if checksums is not None:
                        _verify_array(
                            arrays[(split, kind)],
                            IDX_FILES[(split, kind)],
                            f"{path}[{kind}]",
                            checksums,
                        )
        source = f"npz:{folder}"
    else:
        for key, stem in IDX_FILES.items():
            arrays[key] = _read_idx_file(folder, stem, checksums)
        source = f"idx:{folder}"
    return FashionMNIST(
        arrays[("train", "x")],
        arrays[("train", "y")],
        arrays[("test", "x")],
        arrays[("test", "y")],
        source,
    )


def load_fashion_mnist(
    data: str | os.PathLike[str] | None = None, checksums: dict[str, str] | None = IDX_MD5
) -> FashionMNIST:
    """Find and load Fashion-MNIST.

    ``data`` is a data directory holding ``fashion_mnist/`` (or ``fashion-mnist/``), or that
    folder itself; only it is searched when given (no silent fallback). Without it
    ``$DWMTJ_DATA``, ``../shared/datasets`` and ``/usr/share/datasets`` are searched. Raises
    FileNotFoundError naming what is missing and how to get it.
    """
    if data is not None:
        direct = Path(data)
        stem = IDX_FILES[("train", "x")]
        for folder in (direct, *(direct / name for name in DATASET_DIR_NAMES)):
            if any((folder / name).is_file() for name in ("train.npz", f"{stem}.gz", stem)):
                return load_from_folder(folder, checksums)
        raise FileNotFoundError(
            f"data: no Fashion-MNIST in {direct} (looked for train.npz/test.npz or {stem}.gz "
            f"there and in its {', '.join(DATASET_DIR_NAMES)} subfolders). {HOW_TO_GET}"
        )
    folder = find_dataset_dir(DATASET_DIR_NAMES, None, HOW_TO_GET)
    return load_from_folder(folder, checksums)
