"""Dataset folder search: --data, then $DWMTJ_DATA, then the default copies; no silent fallback."""

from __future__ import annotations

import pytest

from nn.data_paths import candidate_dirs, find_dataset_dir


def test_explicit_folder_is_searched_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("DWMTJ_DATA", str(tmp_path / "env"))
    assert candidate_dirs(tmp_path / "mine") == [tmp_path / "mine"]
    (tmp_path / "env" / "fashion_mnist").mkdir(parents=True)
    # the dataset exists under $DWMTJ_DATA, but --data points elsewhere: that is an error
    with pytest.raises(FileNotFoundError, match="mine"):
        find_dataset_dir(("fashion_mnist",), tmp_path / "mine", "get it somewhere")


def test_environment_then_defaults(tmp_path, monkeypatch):
    (tmp_path / "fashion_mnist").mkdir()
    monkeypatch.setenv("DWMTJ_DATA", str(tmp_path))
    assert candidate_dirs()[0] == tmp_path
    assert find_dataset_dir(("fashion_mnist",)) == tmp_path / "fashion_mnist"


def test_missing_dataset_names_every_place_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DWMTJ_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError) as err:
        find_dataset_dir(("no_such_set",), None, "Install dataset-foo.")
    assert str(tmp_path / "no_such_set") in str(err.value)
    assert "Install dataset-foo." in str(err.value)
