#!/usr/bin/env bash
# The ablation ladder of issue 18, step 2: from the Laborieux control (rung 0) to the paper's
# trapezoid rule, one element switched on per rung, 5 seeds, 60 subsets x 1000 images, no
# full-data ticks. Rung 0 is the Fig. 4a control run (laborieux:m=2.5, 1024-1024, 20 epochs;
# see results/stream/README.md); rung 1 is one program; rungs 2-6 share hidden size and
# epochs and run as 5 devices of one vmapped program (25 runs).
#
#   results/stream/ablation/run_ladder.sh [rung1|rungs2-6|all] [extra dwmtj options]
#
# from the repository root (default: all, one program after the other). Extra options go to
# every `dwmtj train stream` call, e.g. `--max-steps 1` to time one subset. Each program
# checkpoints after every subset under OUT/checkpoint (not committed); rerunning the same
# command resumes where it stopped. Runs at nice 19 (the CPU is shared).
set -euo pipefail
cd "$(dirname "$0")/../../.."
which="${1:-all}"
shift || true
PY="${PYTHON:-.venv/bin/python}"
OUT=results/stream/ablation
COMMON=(--seeds 5 --subsets 60 --no-full-data --hidden 512 512 --no-progress)

run_rung1() {
    # rung 1: the control at 512-512 hidden units (still 20 epochs per subset)
    nice -n 19 "$PY" -m dwmtj train stream "${COMMON[@]}" --epochs 20 \
        --device laborieux:m=2.5 \
        --out "$OUT/rung1_512x20" "$@"
}

run_rungs2to6() {
    # rung 2: 30 epochs; 3: Eq. 1 with w1/w2 = 1:4 in place of tanh^2; 4: delta = 3;
    # 5: clip to [-1, 1]; 6: 4 levels with stochastic rounding (cumulative)
    nice -n 19 "$PY" -m dwmtj train stream "${COMMON[@]}" --epochs 30 \
        --device laborieux:m=2.5 \
        --device laborieux:m=2.5,fmeta=eq1,w1w2=0.25 \
        --device laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3 \
        --device laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1 \
        --device laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1,levels=4 \
        --out "$OUT/rungs2-6_512x30" "$@"
}

case "$which" in
    rung1) run_rung1 "$@" ;;
    rungs2-6) run_rungs2to6 "$@" ;;
    all) run_rung1 "$@"; run_rungs2to6 "$@" ;;
    *) echo "usage: $0 [rung1|rungs2-6|all] [dwmtj options]" >&2; exit 2 ;;
esac
