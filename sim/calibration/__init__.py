"""Fitting and checking the model against targets."""
