"""Where the multiscale calculator caches window landscapes: new windows go to the user's
cache (or $DWMTJ_LANDSCAPES), the committed folder is read but never written."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from physics.experiment.simulate_multiscale import LANDSCAPES_ENV, landscape_dirs
from physics.multiscale.window import _cached


def test_default_writes_to_the_user_cache_and_reads_the_committed_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(LANDSCAPES_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write, read = landscape_dirs()
    assert write == tmp_path / "home" / ".cache" / "dwmtj" / "landscapes"
    assert read == [Path("results") / "paper-scale" / "landscapes"]


def test_environment_folder_is_written(monkeypatch, tmp_path):
    monkeypatch.setenv(LANDSCAPES_ENV, str(tmp_path / "mine"))
    write, read = landscape_dirs()
    assert write == tmp_path / "mine"
    assert Path("results") / "paper-scale" / "landscapes" in read


def test_read_only_folder_is_used_but_never_written(tmp_path):
    committed, user = tmp_path / "committed", tmp_path / "user"
    committed.mkdir()
    np.savez(committed / "old.npz", h=np.arange(3.0))
    calls = []

    def compute():
        calls.append(1)
        return {"h": np.ones(2)}

    got = _cached(user, "old", compute, [committed])
    np.testing.assert_array_equal(got["h"], np.arange(3.0))
    assert not calls and not user.exists()
    got = _cached(user, "new", compute, [committed])
    assert calls == [1]
    assert (user / "new.npz").exists()
    assert sorted(p.name for p in committed.iterdir()) == ["old.npz"]
    # the second time it comes from the user cache
    _cached(user, "new", compute, [committed])
    assert calls == [1]
