#!/usr/bin/env bash
# The rounding variants of issue 18, step 2: which reading of the paper's "quantization to 4
# levels ... by stochastically rounding" reproduces its ~86 % trapezoid / ~83 % straight and
# Supp. Fig. 3 (stochastic vs deterministic rounding; 4, 8 and 16 levels alike)? Base: rung 6
# of the ablation ladder (the paper's trapezoid rule in the control's spec language, weight
# decay 1e-7) and its straight-track equivalent (w1w2=1, delta=1); each device of a program
# is one variant. 5 seeds, 60 subsets x 1000 images, 512-512, 30 epochs, no full-data ticks.
#
#   results/stream/ablation/run_rounding.sh [stochastic|deterministic|levels|straight|ticks|linear|fmeta_on|all] [dwmtj options]
#
# from the repository root (default: all, one program after the other).
#   stochastic:    the 9 variants below, stochastic rounding (45 runs, one vmapped program)
#   deterministic: --deterministic-rounding (15 runs; Supp. Fig. 3's contrast): rung 6 and
#                  the round=subset variants. Every step-rounded run is left out: an Adam step
#                  (<= ~0.05 here) never reaches half a level spacing (>= 1/15), so such a
#                  run never leaves its initial levels (rung 6 stays in as the check).
#   levels:        the trapezoid variants with more levels (35 runs; Supp. Fig. 3's level count)
#   straight:      the straight track's controls (25 runs; results/stream/README.md, "What
#                  differs", items 3 and 1): delta 1 and delta 3 with float weights, and
#                  delta 3 on the paper's grid, the magnitude grid and the grid with zero
#   ticks:         the full-data ticks of Fig. 5a (30 runs; "What differs", item 4): straight
#                  delta 1, delta 3 and the trapezoid, float weights and the 4-level grid
#   linear:        Fig. 5b's non-binarised linear synapse on 32 levels and with float
#                  weights (10 runs; "What differs", item 4)
#   fmeta_on:      the trapezoid with Eq. 1 on every step (fmeta_on=all), float and 4 levels
#                  (10 runs; "What differs", item 3)
# Extra options go to every `dwmtj train stream` call, e.g. `--max-steps 1` to time one
# subset. Each program checkpoints after every subset under OUT/checkpoint (not committed);
# rerunning the same command resumes where it stopped. Runs at nice 19 (the CPU is shared).
# Meanings of the options: results/stream/ablation/README.md, "Rounding variants".
set -euo pipefail
cd "$(dirname "$0")/../../.."
which="${1:-all}"
shift || true
PY="${PYTHON:-.venv/bin/python}"
OUT=results/stream/ablation
COMMON=(--seeds 5 --subsets 60 --no-full-data --hidden 512 512 --epochs 30 --no-progress)
# rung 6 (trapezoid: Eq. 1 with 1:4, delta 3) and the straight track (Eq. 1 with 1:1 = no
# metaplasticity, delta 1), both clipped to [-1, 1] and on the uniform 4-level grid
TRAP=laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1,levels=4
STRA=laborieux:m=2.5,fmeta=eq1,w1w2=1,delta=1,clip=1,levels=4

variants() {
    # the paper's reading (uniform 4-level grid {-1, -1/3, 1/3, 1}, rounded after every step);
    # a grid with zero {0, +-1/3, +-2/3, +-1} whose zero level reads as a fixed +-1;
    # 4 magnitude levels per sign {+-1/4, +-1/2, +-3/4, +-1}; rounding only when the device
    # is written, at each subset's end (both tracks) or each epoch's end (trapezoid)
    printf -- '--device %s ' \
        "$TRAP" "$STRA" \
        "$TRAP,grid=zero,zero=pm" "$STRA,grid=zero,zero=pm" \
        "$TRAP,grid=magnitude" "$STRA,grid=magnitude" \
        "$TRAP,round=subset" "$STRA,round=subset" \
        "$TRAP,round=epoch"
}

run_stochastic() {
    # shellcheck disable=SC2046  # the device options are single words
    nice -n 19 "$PY" -m dwmtj train stream "${COMMON[@]}" $(variants) \
        --out "$OUT/rounding_stochastic_512x30" "$@"
}

run_deterministic() {
    nice -n 19 "$PY" -m dwmtj train stream "${COMMON[@]}" --deterministic-rounding \
        --device "$TRAP" --device "$TRAP,round=subset" --device "$STRA,round=subset" \
        --out "$OUT/rounding_deterministic_512x30" "$@"
}

run_levels() {
    # Supp. Fig. 3: 8 and 16 levels, per reading (the magnitude grid's 2 / 8 per sign are 4 /
    # 16 levels; the zero grid's 8 per sign are 15 levels). A program of its own: every run
    # of a program rounds over the largest level count.
    nice -n 19 "$PY" -m dwmtj train stream "${COMMON[@]}" \
        --device "${TRAP/levels=4/levels=8}" \
        --device "${TRAP/levels=4/levels=16}" \
        --device "${TRAP/levels=4/levels=8},round=subset" \
        --device "${TRAP/levels=4/levels=16},round=subset" \
        --device "${TRAP/levels=4/levels=2},grid=magnitude" \
        --device "${TRAP/levels=4/levels=8},grid=magnitude" \
        --device "${TRAP/levels=4/levels=8},grid=zero,zero=pm" \
        --out "$OUT/rounding_levels_512x30" "$@"
}

run_straight() {
    # STRA3: the device path's straight:delta=3 in the control's spec language
    local stra3="${STRA/delta=1/delta=3}"
    nice -n 19 "$PY" -m dwmtj train stream "${COMMON[@]}" \
        --device "${STRA%,levels=4}" \
        --device "${stra3%,levels=4}" \
        --device "$stra3" \
        --device "$stra3,grid=magnitude" \
        --device "$stra3,grid=zero,zero=pm" \
        --out "$OUT/rounding_straight_512x30" "$@"
}

run_ticks() {
    # Fig. 5a's full-data ticks (30 epochs on all 60 000 images; results/stream/README.md,
    # "What differs", item 4): the paper's ticks run straight delta 1 > straight delta 3 >
    # trapezoid, ours the other way round. The three rules with float weights and on the
    # paper's 4-level grid; one stream subset only (--subsets 1), since only the ticks count.
    local stra3="${STRA/delta=1/delta=3}"
    nice -n 19 "$PY" -m dwmtj train stream --seeds 5 --subsets 1 --hidden 512 512 \
        --epochs 30 --no-progress \
        --device "${STRA%,levels=4}" --device "${stra3%,levels=4}" --device "${TRAP%,levels=4}" \
        --device "$STRA" --device "$stra3" --device "$TRAP" \
        --out "$OUT/rounding_ticks_512x30" "$@"
}

run_linear() {
    # Fig. 5b's non-binarised linear synapse ("What differs", item 4): the device path's
    # linear:levels=32 in the control's language (straight rule, clipped, binarized=0, 32
    # levels) and its rounding-free control (float weights)
    local lin="${STRA%,levels=4},binarized=0"
    nice -n 19 "$PY" -m dwmtj train stream "${COMMON[@]}" \
        --device "$lin,levels=32" --device "$lin" \
        --out "$OUT/rounding_linear_512x30" "$@"
}

run_fmeta_on() {
    # the other reading of the paper's rule ("What differs", item 3): Eq. 1 on every step of
    # the trapezoid, delta on top of growing steps (fmeta_on=all), float and on the 4-level grid
    nice -n 19 "$PY" -m dwmtj train stream "${COMMON[@]}" \
        --device "${TRAP%,levels=4},fmeta_on=all" --device "$TRAP,fmeta_on=all" \
        --out "$OUT/rounding_fmeta_on_512x30" "$@"
}

case "$which" in
    stochastic) run_stochastic "$@" ;;
    deterministic) run_deterministic "$@" ;;
    levels) run_levels "$@" ;;
    straight) run_straight "$@" ;;
    ticks) run_ticks "$@" ;;
    linear) run_linear "$@" ;;
    fmeta_on) run_fmeta_on "$@" ;;
    all) run_stochastic "$@"; run_deterministic "$@"; run_straight "$@"; run_levels "$@" ;;
    *) echo "usage: $0 [stochastic|deterministic|levels|straight|ticks|linear|fmeta_on|all] [dwmtj options]" >&2; exit 2 ;;
esac
