"""Multiscale bridge from micromagnetics to the compact model (issue 17).

``wall_model``  the rigid (q, phi) collective-coordinate wall on a tabulated pinning
                landscape, with thermal noise: thousands of pulses in one jitted, vmapped call.
"""
