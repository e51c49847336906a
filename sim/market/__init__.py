"""Market mechanisms as pure functions over arrays: matching and pricing."""
