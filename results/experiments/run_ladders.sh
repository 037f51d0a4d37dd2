#!/bin/sh
# T = 0 depinning ladders of the scaled presets: 4 nm cells, dt = 1e-13 s, float32, 1.5 ns
# pulse (FWHM) with 50 ps rise/fall, 0.2 ns settle; one batched round of 6 voltages per notch
# (0.10 ... 0.85 V, 0.15 V apart). Run from the repository root:
#   sh results/experiments/run_ladders.sh        (the two ladders run concurrently)
PY=${PY:-.venv/bin/python}
D=results/experiments
nice -n 10 $PY -m physics.experiment.depinning --geometry scaled-trapezoid --out $D/ladder-trapezoid.json > $D/ladder-trapezoid.log 2>&1 &
nice -n 10 $PY -m physics.experiment.depinning --geometry scaled-straight --out $D/ladder-straight.json > $D/ladder-straight.log 2>&1 &
wait
