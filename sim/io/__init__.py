"""Input and output: embedded data, SSDA903 tables, run folders, the command line."""
