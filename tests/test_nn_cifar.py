"""CIFAR loaders (nn.cifar): the official CIFAR-100 python format and the CIFAR-10 stand-in."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from nn.cifar import (
    load_cifar10_jpeg,
    load_cifar100_archive,
    load_cifar100_folder,
    load_dataset,
)


def _split(rng: np.random.Generator, n: int) -> dict:
    return {
        b"filenames": [f"img{i}.png".encode() for i in range(n)],
        b"batch_label": b"synthetic",
        b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
        b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)],
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
    }


def _write_archive(path: Path, train: dict, test: dict) -> None:
    meta = {
        b"fine_label_names": [f"fine{i}".encode() for i in range(100)],
        b"coarse_label_names": [f"coarse{i}".encode() for i in range(20)],
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, obj in (("train", train), ("test", test), ("meta", meta)):
            blob = pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"cifar-100-python/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def test_synthetic_cifar100_archive_loads_with_shapes_and_both_label_sets(tmp_path):
    rng = np.random.default_rng(0)
    train, test = _split(rng, 20), _split(rng, 10)
    path = tmp_path / "cifar-100-python.tar.gz"
    _write_archive(path, train, test)
    ds = load_cifar100_archive(path, expected_md5=None)
    assert ds.x_train.shape == (20, 32, 32, 3) and ds.x_train.dtype == np.uint8
    assert ds.x_test.shape == (10, 32, 32, 3)
    np.testing.assert_array_equal(ds.y_train, train[b"fine_labels"])
    np.testing.assert_array_equal(ds.y_train_coarse, train[b"coarse_labels"])
    np.testing.assert_array_equal(ds.y_test, test[b"fine_labels"])
    np.testing.assert_array_equal(ds.y_test_coarse, test[b"coarse_labels"])
    # Row layout: 1024 red, then 1024 green, then 1024 blue values, each row-major 32x32.
    row = train[b"data"][3]
    assert ds.x_train[3, 5, 7, 0] == row[5 * 32 + 7]
    assert ds.x_train[3, 5, 7, 1] == row[1024 + 5 * 32 + 7]
    assert ds.x_train[3, 31, 0, 2] == row[2048 + 31 * 32]
    assert ds.num_classes == 100 and ds.label_names[42] == "fine42"
    assert ds.coarse_label_names[19] == "coarse19" and ds.name == "cifar100"


def test_checksum_mismatch_and_bad_members_are_errors(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "cifar-100-python.tar.gz"
    _write_archive(path, _split(rng, 4), _split(rng, 2))
    with pytest.raises(ValueError, match="MD5"):
        load_cifar100_archive(path)  # the synthetic archive is not the official file
    with pytest.raises(ValueError, match="MD5"):
        load_dataset("cifar100", tmp_path)  # found in --data, then verified
    bad = _split(rng, 4)
    bad[b"fine_labels"] = bad[b"fine_labels"][:3]
    _write_archive(path, bad, _split(rng, 2))
    with pytest.raises(ValueError, match="label count"):
        load_cifar100_archive(path, expected_md5=None)
    with pytest.raises(ValueError, match="dataset"):
        load_dataset("imagenet")


def test_cifar100_npz_folder_layout(tmp_path):
    rng = np.random.default_rng(2)
    folder = tmp_path / "cifar100"
    folder.mkdir()
    for name, n in (("train_part0", 6), ("train_part1", 4), ("test", 5)):
        np.savez(
            folder / f"{name}.npz",
            x=rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8),
            y_fine=rng.integers(0, 100, n),
            y_coarse=rng.integers(0, 20, n),
        )
    ds = load_cifar100_folder(folder)
    assert ds.x_train.shape == (10, 32, 32, 3) and ds.y_train_coarse.shape == (10,)
    assert load_dataset("cifar100", tmp_path).x_test.shape == (5, 32, 32, 3)


def test_cifar10_jpeg_stand_in_is_shuffled(datasets_dir):
    folder = datasets_dir / "cifar10_jpeg_q75"
    if not folder.is_dir():
        pytest.skip("cifar10_jpeg_q75 not present")
    ds = load_cifar10_jpeg(folder, seed=0)
    assert ds.x_train.shape == (50000, 32, 32, 3) and ds.x_test.shape == (10000, 32, 32, 3)
    assert np.bincount(ds.y_train).tolist() == [5000] * 10
    # The files are sorted by class; after shuffling the first 100 labels cover many classes.
    assert len(np.unique(ds.y_train[:100])) >= 8
    assert ds.name == "cifar10-jpeg" and ds.label_names[0] == "airplane"
