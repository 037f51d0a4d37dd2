"""Fashion-MNIST loading: IDX (gz and plain), npz, checksums, search order, clear errors."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

from nn.fashion_mnist import (
    IDX_FILES,
    IDX_MD5,
    idx_header,
    load_fashion_mnist,
    load_from_folder,
    parse_idx,
)


def _tiny_arrays(seed: int = 0) -> dict[tuple[str, str], np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        ("train", "x"): rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        ("train", "y"): rng.integers(0, 10, 12, dtype=np.uint8),
        ("test", "x"): rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        ("test", "y"): rng.integers(0, 10, 5, dtype=np.uint8),
    }


def _write_idx(folder, arrays, compress=True):
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in IDX_FILES.items():
        raw = idx_header(arrays[key].shape) + arrays[key].tobytes()
        if compress:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)


@pytest.mark.parametrize("compress", [True, False])
def test_reads_tiny_idx_files(tmp_path, compress):
    arrays = _tiny_arrays()
    _write_idx(tmp_path / "fashion-mnist", arrays, compress)
    data = load_from_folder(tmp_path / "fashion-mnist", checksums=None)
    np.testing.assert_array_equal(data.x_train, arrays[("train", "x")])
    np.testing.assert_array_equal(data.y_train, arrays[("train", "y")])
    np.testing.assert_array_equal(data.x_test, arrays[("test", "x")])
    np.testing.assert_array_equal(data.y_test, arrays[("test", "y")])
    assert data.source.startswith("idx:")


def test_checksums_are_verified_on_decompressed_idx(tmp_path):
    arrays = _tiny_arrays()
    _write_idx(tmp_path, arrays)
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: MD5"):
        load_from_folder(tmp_path)  # the official checksums do not match made-up images
    stems = {
        stem: hashlib.md5(idx_header(arrays[k].shape) + arrays[k].tobytes()).hexdigest()
        for k, stem in IDX_FILES.items()
    }
    assert load_from_folder(tmp_path, checksums=stems).x_train.shape == (12, 28, 28)


def test_debian_layout_found_through_environment(tmp_path, monkeypatch):
    arrays = _tiny_arrays(1)
    _write_idx(tmp_path / "fashion-mnist", arrays)  # Debian: /usr/share/datasets/fashion-mnist
    monkeypatch.setenv("DWMTJ_DATA", str(tmp_path))
    data = load_fashion_mnist(None, checksums=None)
    np.testing.assert_array_equal(data.y_test, arrays[("test", "y")])


def test_missing_file_error_names_file_and_how_to_get_it(tmp_path):
    arrays = _tiny_arrays()
    _write_idx(tmp_path, arrays)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz") as info:
        load_from_folder(tmp_path, checksums=None)
    assert "apt-get install dataset-fashion-mnist" in str(info.value)


def test_nothing_found_error_lists_places_and_how_to_get(tmp_path, monkeypatch):
    import nn.data_paths

    monkeypatch.delenv("DWMTJ_DATA", raising=False)
    monkeypatch.setattr(nn.data_paths, "DEFAULT_DATA_DIRS", ())
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(None)
    msg = str(info.value)
    assert "fashion_mnist" in msg and "DWMTJ_DATA" in msg


def test_explicit_data_dir_is_not_silently_replaced(tmp_path, monkeypatch, datasets_dir):
    # even with a valid copy elsewhere, a --data folder without the dataset is an error
    monkeypatch.setenv("DWMTJ_DATA", str(datasets_dir))
    with pytest.raises(FileNotFoundError, match="no Fashion-MNIST in") as info:
        load_fashion_mnist(tmp_path / "empty")
    assert str(tmp_path / "empty") in str(info.value)


def test_npz_layout_and_tampering(tmp_path):
    arrays = _tiny_arrays(2)
    for split in ("train", "test"):
        np.savez(tmp_path / f"{split}.npz", x=arrays[(split, "x")], y=arrays[(split, "y")])
    data = load_fashion_mnist(tmp_path, checksums=None)
    assert data.source.startswith("npz:") and data.x_test.shape == (5, 28, 28)
    with pytest.raises(ValueError, match=r"train.npz\[x\]"):
        load_from_folder(tmp_path)


def test_bad_idx_bytes():
    with pytest.raises(ValueError, match="magic"):
        parse_idx(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="promises"):
        parse_idx(idx_header((3,)) + b"\x00\x01")


def test_shared_copy_matches_official_checksums(datasets_dir):
    if not (datasets_dir / "fashion_mnist" / "train.npz").is_file():
        pytest.skip("no shared Fashion-MNIST copy")
    data = load_fashion_mnist(datasets_dir)  # verifies every array against IDX_MD5
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert np.all(np.bincount(data.y_train, minlength=10) == 6000)
    assert set(IDX_MD5) == set(IDX_FILES.values())
