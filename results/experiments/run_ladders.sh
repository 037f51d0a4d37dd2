#!/bin/sh
# T = 0 depinning ladders of the scaled presets (4 nm cells, 25+-fold cheaper than 2 nm) and
# the step/cell halving checks. Run from the repository root: sh results/experiments/run_ladders.sh
set -e
PY=${PY:-.venv/bin/python}
D=results/experiments
nice -n 10 $PY -m physics.experiment.depinning --geometry scaled-trapezoid --out $D/ladder-trapezoid.json
nice -n 10 $PY -m physics.experiment.depinning --geometry scaled-straight --out $D/ladder-straight.json
# validation: first notch of the trapezoid with the step halved, then with the cell halved
nice -n 10 $PY -m physics.experiment.depinning --geometry scaled-trapezoid --notches 0 --dt 5e-14 --v-range 0.1 0.6 --n-grid 6 --out $D/check-dt-halved.json
nice -n 10 $PY -m physics.experiment.depinning --geometry scaled-trapezoid --notches 0 --v-range 0.1 0.6 --n-grid 6 --out $D/check-reference.json
nice -n 10 $PY -m physics.experiment.depinning --geometry scaled-trapezoid --notches 0 --cell 2e-9 --dt 2.5e-14 --v-range 0.1 0.6 --n-grid 6 --out $D/check-cell-halved.json
