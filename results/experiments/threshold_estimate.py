"""Quasi-static depinning-threshold estimate of the scaled trapezoid for notch-depth choices.

Wall energy sigma t W(x) with W the mask column width smoothed over the wall profile
(sech^2, Delta = 12.9 nm); the force balance with J ~ 1/W gives V_th ~ max over the notch exit of
sigma W'(x) + 2 Ms mu0 H W(x) (H = 4 mT bias). Prints that maximum (arbitrary units, x 1e3)
per notch for fixed 6 nm notches and for depths r x local width, at 4, 2 and 1 nm cells.
Run: .venv/bin/python results/experiments/threshold_estimate.py (used for the self-similar
preset, README)."""
import numpy as np

from geometries.presets import load_preset
from geometries.track import Track

t=load_preset('scaled-trapezoid'); d=t.to_dict()
sig=4.65e-3; Ms=1.1e6; Hb=4e-3; Dw=12.9e-9
def proxy(tt,c):
    m=tt.mask(c,c); W=m.sum(1)*c; xc=(np.arange(m.shape[0])+.5)*c
    # smooth W with wall profile weight sech^2/(2Delta) (wall energy density)
    k=np.arange(-40,41)*c; ker=1/np.cosh(k/Dw)**2; ker/=ker.sum()
    Ws=np.convolve(np.pad(W,40,mode='edge'),ker,mode='valid')
    F=sig*np.gradient(Ws,c)+2*Ms*Hb*Ws
    out=[]
    xs=tt.notch_centres
    for i,x in enumerate(xs):
        sel=(xc>=x-4e-9)&(xc<=x+22e-9)
        out.append(F[sel].max()*1e3)
    return np.round(out,2)
for label,dep in [('fixed6',6e-9)]+[(f'r{r}',[round(r*v*1e10)/1e10 for v in t.nominal_width_at(t.notch_centres)]) for r in (0.1,0.15,0.2,0.25)]:
    d2=dict(d); d2['notches']=dict(d['notches'],depth=dep); tt=Track.from_dict(d2)
    print(label, 'c4',proxy(tt,4e-9),'c2',proxy(tt,2e-9),'c1',proxy(tt,1e-9))
