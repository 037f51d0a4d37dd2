"""Depinning experiments: pulse protocols, MTJ readout, HDF5 run store, resumable batches."""
