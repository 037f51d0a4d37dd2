#!/usr/bin/env bash
# Issue 18, item 3: the Fig. 6b sweep on the deeper network (ResNet-20 x1, resnet20/checkpoint),
# under the three sigma_G conventions of the ResNet-8 study, on the same 2 000 random test
# images (the sweep's fixed subset), 3 write-noise draws per noisy point; then the per-layer
# max|W| / rms(W) table. From the repository root:
#
#   results/inference/resnet20/run_sweeps.sh
#
# Train the network first (resumable; 8 epochs, about 75 min on the 2-core CPU shared with one
# other job):
#   nice -n 19 .venv/bin/python -m dwmtj train resnet --depth 20 --width 1 --epochs 8 \
#       --out results/inference/resnet20/checkpoint
set -euo pipefail
cd "$(dirname "$0")/../../.."
PY="${PYTHON:-.venv/bin/python}"
OUT=results/inference/resnet20
CKPT="$OUT/checkpoint"
COMMON=(--device straight --checkpoint "$CKPT" --bits 2-7 --draws 3 --test-limit 2000)
# sigma_G = 2.53 uS in siemens, clipped to [G_min, G_max] (the project's default)
nice -n 19 "$PY" -m dwmtj infer "${COMMON[@]}" --out "$OUT/absolute"
# the same 2.53 uS read as a fraction of G_max (0.0023) and applied to the window (CrossSim v2.0)
nice -n 19 "$PY" -m dwmtj infer "${COMMON[@]}" --write-sigma 0.0023 --sigma-norm relative_window \
    --out "$OUT/relative_window"
# 2.53 uS, clipped only to G >= 0 (CrossSim 3.x's default)
nice -n 19 "$PY" -m dwmtj infer "${COMMON[@]}" --no-clip-after-noise --out "$OUT/absolute_noclip"
nice -n 19 "$PY" results/inference/weight_stats.py --checkpoint "$CKPT" | tee "$OUT/weight_stats.txt"
