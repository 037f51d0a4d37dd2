"""Start-up of `dwmtj --help` against a baseline checkout, interleaved in one run.

    .venv/bin/python benchmarks/bench_startup.py BASELINE_DIR BASELINE_CMD... -- [N]

e.g. `git worktree add /tmp/base 1c91caf` and
`.venv/bin/python benchmarks/bench_startup.py /tmp/base dwmtj.py --help -- 15`: each of N
rounds runs the baseline (`python BASELINE_CMD` in BASELINE_DIR) and this checkout
(`python -m dwmtj --help` in the repository root), and the medians of wall and CPU time
(user + system of the child) are printed with the load average.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(cwd: Path, args: list[str]) -> tuple[float, float]:
    """(wall s, CPU s) of one ``python *args`` in ``cwd``."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main() -> None:
    argv = sys.argv[1:]
    n = 15
    if "--" in argv:
        i = argv.index("--")
        n = int(argv[i + 1]) if i + 1 < len(argv) else n
        argv = argv[:i]
    base_dir, base_cmd = Path(argv[0]), argv[1:]
    cases = {
        f"baseline ({base_dir}: python {' '.join(base_cmd)})": (base_dir, base_cmd),
        "this checkout (python -m dwmtj --help)": (REPO, ["-m", "dwmtj", "--help"]),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(n):
        for name, (cwd, args) in cases.items():
            times[name].append(run(cwd, args))
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}")
    for name, xs in times.items():
        wall = statistics.median(x[0] for x in xs)
        cpu = statistics.median(x[1] for x in xs)
        print(f"{name}: wall median {wall:.3f} s, CPU median {cpu:.3f} s (n={n})")


if __name__ == "__main__":
    main()
