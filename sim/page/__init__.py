"""The policy page: build a reform, run it against the baseline, see and share what it does.

This package owns the page's parts that are not drawing: the scenario and its YAML form
(``scenario``), runs in the background with progress and cancelling (``runs``), the words and
units outcomes are shown in (``outcomes``), the figures (``figures``) and the report
(``report``); ``experiments/app.py`` serves the page.
"""
