"""CIFAR image data for the inference application: CIFAR-100 and the CIFAR-10 JPEG stand-in.

Images are returned as ``uint8`` arrays of shape ``(N, 32, 32, 3)`` (HWC, RGB) and labels as
``int32``. Nothing is downloaded; every source is a local file that is verified.

Sources, selected by name (``--dataset``):

* ``cifar100``: the official python-format archive ``cifar-100-python.tar.gz``
  (MD5 ``eb9058c3a382ffc7106e4002c42a8d85``; pickled dicts with ``b'data'``,
  ``b'fine_labels'``, ``b'coarse_labels'`` and a ``meta`` member), its extracted folder
  ``cifar-100-python/``, or a folder ``cifar100/`` with ``train_part*.npz`` and ``test.npz``
  holding ``x``, ``y_fine``, ``y_coarse``.
* ``cifar10-jpeg``: ``cifar10_jpeg_q75/`` (JPEG-degraded CIFAR-10, quality 75, sorted by
  class, so the training split is shuffled here with a fixed seed).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nn.data_paths import candidate_dirs, find_dataset_dir

#: MD5 of the official ``cifar-100-python.tar.gz``.
CIFAR100_MD5 = "eb9058c3a382ffc7106e4002c42a8d85"
CIFAR100_ARCHIVE = "cifar-100-python.tar.gz"
DATASETS = ("cifar10-jpeg", "cifar100")

#: Per-channel mean and standard deviation of CIFAR training pixels (0..255 scale).
CHANNEL_MEAN = np.array([125.3, 123.0, 113.9], dtype=np.float32)
CHANNEL_STD = np.array([63.0, 62.1, 66.7], dtype=np.float32)

_HOW_TO_GET_100 = (
    f"Put {CIFAR100_ARCHIVE} (MD5 {CIFAR100_MD5}, from "
    "https://www.cs.toronto.edu/~kriz/cifar.html) in a data folder, or pass --data DIR"
)


@dataclass(frozen=True)
class ImageDataset:
    """A labelled image-classification dataset split into train and test.

    ``x_*``: uint8 ``(N, 32, 32, 3)``; ``y_*``: int32 ``(N,)`` (for CIFAR-100 the fine
    labels; the coarse ones are in ``y_*_coarse``). ``source`` says where it was read from.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    label_names: tuple[str, ...]
    source: str
    y_train_coarse: np.ndarray | None = None
    y_test_coarse: np.ndarray | None = None
    coarse_label_names: tuple[str, ...] = ()


def normalise_images(x: np.ndarray) -> np.ndarray:
    """uint8 HWC images -> float32, per-channel standardised (dimensionless)."""
    return ((np.asarray(x, dtype=np.float32) - CHANNEL_MEAN) / CHANNEL_STD).astype(np.float32)


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _rows_to_hwc(data: np.ndarray, member: str) -> np.ndarray:
    data = np.asarray(data, dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f"{member}: b'data' must be (N, 3072) uint8, got {data.shape}")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()


def _split_from_pickle(obj: dict, member: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    for key in (b"data", b"fine_labels", b"coarse_labels"):
        if key not in obj:
            raise ValueError(f"{member}: missing key {key!r}")
    x = _rows_to_hwc(obj[b"data"], member)
    fine = np.asarray(obj[b"fine_labels"], dtype=np.int32)
    coarse = np.asarray(obj[b"coarse_labels"], dtype=np.int32)
    if fine.shape != (x.shape[0],) or coarse.shape != (x.shape[0],):
        raise ValueError(f"{member}: label count differs from image count {x.shape[0]}")
    if fine.min() < 0 or fine.max() > 99 or coarse.min() < 0 or coarse.max() > 19:
        raise ValueError(f"{member}: fine labels must be in 0..99 and coarse in 0..19")
    return x, fine, coarse


def _names(meta: dict, key: bytes) -> tuple[str, ...]:
    return tuple(n.decode() if isinstance(n, bytes) else str(n) for n in meta.get(key, []))


def _dataset_from_members(members: dict[str, dict], source: str) -> ImageDataset:
    xtr, ftr, ctr = _split_from_pickle(members["train"], "train")
    xte, fte, cte = _split_from_pickle(members["test"], "test")
    meta = members.get("meta", {})
    return ImageDataset(
        name="cifar100",
        x_train=xtr,
        y_train=ftr,
        x_test=xte,
        y_test=fte,
        num_classes=100,
        label_names=_names(meta, b"fine_label_names"),
        source=source,
        y_train_coarse=ctr,
        y_test_coarse=cte,
        coarse_label_names=_names(meta, b"coarse_label_names"),
    )


def load_cifar100_archive(
    path: str | os.PathLike[str], expected_md5: str | None = CIFAR100_MD5
) -> ImageDataset:
    """Read the official python-format ``cifar-100-python.tar.gz``.

    ``expected_md5``: checksum the archive must have (``None`` skips the check, for the
    small synthetic archives of the tests). Raises ValueError on a mismatch or a bad member.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CIFAR-100 archive not found: {path}")
    if expected_md5 is not None:
        got = _md5(path)
        if got != expected_md5:
            raise ValueError(f"archive: MD5 of {path} is {got}, expected {expected_md5}")
    members: dict[str, dict] = {}
    with tarfile.open(path, "r:gz") as tar:
        for info in tar.getmembers():
            name = Path(info.name).name
            if info.isfile() and name in ("train", "test", "meta"):
                f = tar.extractfile(info)
                assert f is not None
                members[name] = pickle.load(f, encoding="bytes")  # noqa: S301 (verified file)
    missing = {"train", "test"} - set(members)
    if missing:
        raise ValueError(f"archive: {path} lacks member(s) {sorted(missing)}")
    return _dataset_from_members(members, str(path))


def load_cifar100_folder(folder: str | os.PathLike[str]) -> ImageDataset:
    """Read an extracted ``cifar-100-python/`` folder or a ``cifar100/`` npz folder."""
    folder = Path(folder)
    if (folder / "train").is_file() and (folder / "test").is_file():
        members = {}
        for name in ("train", "test", "meta"):
            if (folder / name).is_file():
                with open(folder / name, "rb") as f:
                    members[name] = pickle.load(f, encoding="bytes")  # noqa: S301
        return _dataset_from_members(members, str(folder))
    parts = sorted(folder.glob("train_part*.npz"))
    if not parts or not (folder / "test.npz").is_file():
        raise FileNotFoundError(
            f"{folder}: neither train/test pickles nor train_part*.npz+test.npz"
        )

    def read(files: list[Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        loaded = [np.load(p) for p in files]
        for p, d in zip(files, loaded, strict=True):
            for key in ("x", "y_fine", "y_coarse"):
                if key not in d:
                    raise ValueError(f"{p}: missing key {key!r}")
        return (
            np.concatenate([d["x"] for d in loaded]).astype(np.uint8),
            np.concatenate([d["y_fine"] for d in loaded]).astype(np.int32),
            np.concatenate([d["y_coarse"] for d in loaded]).astype(np.int32),
        )

    xtr, ftr, ctr = read(parts)
    xte, fte, cte = read([folder / "test.npz"])
    return ImageDataset("cifar100", xtr, ftr, xte, fte, 100, (), str(folder), ctr, cte)


def load_cifar10_jpeg(folder: str | os.PathLike[str], seed: int = 0) -> ImageDataset:
    """Read ``cifar10_jpeg_q75/`` and shuffle its class-sorted training split with ``seed``."""
    folder = Path(folder)
    parts = sorted(folder.glob("train_part*.npz"))
    if not parts or not (folder / "test.npz").is_file():
        raise FileNotFoundError(f"{folder}: expected train_part*.npz and test.npz")
    tr = [np.load(p) for p in parts]
    x = np.concatenate([d["x"] for d in tr]).astype(np.uint8)
    y = np.concatenate([d["y"] for d in tr]).astype(np.int32)
    perm = np.random.default_rng(seed).permutation(len(y))
    te = np.load(folder / "test.npz")
    names: tuple[str, ...] = ()
    if (folder / "label_names.json").is_file():
        names = tuple(json.loads((folder / "label_names.json").read_text())["label_names"])
    return ImageDataset(
        name="cifar10-jpeg",
        x_train=x[perm],
        y_train=y[perm],
        x_test=te["x"].astype(np.uint8),
        y_test=te["y"].astype(np.int32),
        num_classes=10,
        label_names=names,
        source=str(folder),
    )


def load_dataset(
    name: str, data_dir: str | os.PathLike[str] | None = None, seed: int = 0
) -> ImageDataset:
    """Load dataset ``name`` (one of :data:`DATASETS`) from local files."""
    if name == "cifar10-jpeg":
        folder = find_dataset_dir(
            ("cifar10_jpeg_q75",), data_dir, "See ../shared/datasets/README.md"
        )
        return load_cifar10_jpeg(folder, seed=seed)
    if name == "cifar100":
        for base in candidate_dirs(data_dir):
            if (base / CIFAR100_ARCHIVE).is_file():
                return load_cifar100_archive(base / CIFAR100_ARCHIVE)
        folder = find_dataset_dir(("cifar100", "cifar-100-python"), data_dir, _HOW_TO_GET_100)
        return load_cifar100_folder(folder)
    raise ValueError(f"dataset: unknown dataset {name!r}; choose one of {list(DATASETS)}")
