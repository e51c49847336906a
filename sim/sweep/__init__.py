"""Sweeps: many runs of the model as jobs, on any executor, written as a Parquet dataset."""
