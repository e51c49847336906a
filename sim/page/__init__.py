"""The policy page: build a reform, run it against the baseline, see and share what it does.

This package owns the page's parts that are not drawing: the scenario and its YAML form
(``scenario``), runs in the background with progress and cancelling (``runs``), and the words
and units outcomes are shown in (``outcomes``); ``experiments/app.py`` serves the page.
"""
