"""Issue #16, problem 8: every CSV dwmtj writes is read back by pandas column for column, also
with device labels that hold commas and quotes (the stream's ``summary.csv`` had unquoted
commas inside the device label, so pandas shifted every column)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nn.inference import SweepPoint, write_table
from nn.stream import StreamConfig, StreamResult, load_result, summary_rows, write_tables

REPO = Path(__file__).resolve().parent.parent
AWKWARD = ['straight:delta=3,levels=4 "fitted"', "trapezoid, 1:4 | paper"]


def read(path: Path) -> pd.DataFrame:
    """Every field as the string written (no NaN guessing, no number parsing)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def stream_result() -> StreamResult:
    rng = np.random.default_rng(0)
    n_dev, n_seed, n_sub = len(AWKWARD), 2, 3
    return StreamResult(
        labels=list(AWKWARD),
        descriptions=[f'{label} (w1/w2=1, delta=3, "4" levels)' for label in AWKWARD],
        config=StreamConfig(n_subsets=n_sub, n_seeds=n_seed, epochs=1, first_seed=7),
        stream_accuracy=rng.uniform(0.5, 0.9, (n_dev, n_seed, n_sub)),
        epoch_accuracy=np.full((n_dev, n_seed, n_sub, 1), np.nan),
        full_data_accuracy=rng.uniform(0.8, 0.9, (n_dev, n_seed)),
    )


def test_stream_curves_csv_round_trips_through_pandas(
    stream_result: StreamResult, tmp_path: Path
) -> None:
    write_tables(stream_result, tmp_path)
    curves = read(tmp_path / "curves.csv")
    assert list(curves.columns) == ["device", "seed", "subset", "accuracy"]
    n_dev, n_seed, n_sub = stream_result.stream_accuracy.shape
    assert len(curves) == n_dev * n_seed * (n_sub + 1)
    for d, label in enumerate(AWKWARD):
        rows = curves[curves.device == label]
        assert len(rows) == n_seed * (n_sub + 1)
        stream = rows[rows.subset != "full"]
        np.testing.assert_allclose(
            np.asarray(stream["accuracy"], dtype=float).reshape(n_seed, n_sub),
            stream_result.stream_accuracy[d],
            atol=5e-5,
        )
        assert sorted(set(rows.seed.astype(int))) == [7, 8]


def test_stream_summary_csv_round_trips_through_pandas(
    stream_result: StreamResult, tmp_path: Path
) -> None:
    write_tables(stream_result, tmp_path)
    summary = read(tmp_path / "summary.csv")
    expected = summary_rows(stream_result)
    assert list(summary.columns) == list(expected[0])
    assert summary.to_dict("records") == expected
    md = (tmp_path / "summary.md").read_text().splitlines()
    # the Markdown table keeps one cell per column: its "|" are escaped
    assert all(line.replace("\\|", "").count("|") == len(expected[0]) + 1 for line in md)


def test_inference_sweep_csv_round_trips_through_pandas(tmp_path: Path) -> None:
    points = [
        SweepPoint("uniform", 3, 4, 0.0, 0.0, 0.0, (0.81, 0.8)),
        SweepPoint("device", None, 4, 10.0, 2.53e-5, 1e-7, (0.5,)),
    ]
    info = {
        "dataset": "cifar10-jpeg",
        "checkpoint": 'runs/net,"best"',
        "device": AWKWARD[0],
        "digital_accuracy": 0.8312,
    }
    path = tmp_path / "inference_sweep.csv"
    write_table(points, path, info)
    table = read(path)
    assert len(table.columns) == 14 and len(table) == 2
    assert list(table.device) == [AWKWARD[0]] * 2
    assert list(table.checkpoint) == [info["checkpoint"]] * 2
    assert list(table.level_mode) == ["uniform", "device"]
    assert list(table.bits) == ["3", ""]
    assert list(table.accuracies) == ["0.8100 0.8000", "0.5000"]


@pytest.mark.parametrize(
    "folder", sorted(p.parent for p in (REPO / "results/stream").glob("*/stream.h5"))
)
def test_committed_stream_tables_are_what_the_writer_writes(folder: Path, tmp_path: Path) -> None:
    """The committed results/stream/*/ tables were rewritten with the csv module: pandas
    reads one column per field, and they equal what :func:`write_tables` writes now."""
    result = load_result(folder / "stream.h5")
    summary = read(folder / "summary.csv")
    assert list(summary.device) == result.descriptions
    assert summary.shape[1] == 6
    write_tables(result, tmp_path)
    for name in ("curves.csv", "summary.csv", "summary.md"):
        assert (folder / name).read_text() == (tmp_path / name).read_text(), name
