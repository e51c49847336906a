"""Serve the policy page: build a reform, run it against the baseline, see what it does.

python3 experiments/app.py                 # http://127.0.0.1:8765
python3 experiments/app.py --port 9000     # another port (0: any free one)

The page (``sim/page/app.py``) is a Solara app; its front end is served from the installed
``solara-assets`` package, so it works with no internet. Runs go to processes of their own
(``sim/page/runs.py``) and their outcomes are cached in ``~/.cache/sim-page``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument(
        "--no-warm", action="store_true", help="do not run the opening scenario on start"
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    # No internet: the front end is served by this server (Solara's assets proxy, which finds
    # every file in the installed solara-assets), and no usage telemetry is sent.
    os.environ.setdefault("SOLARA_ASSETS_PROXY", "true")
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    from solara.__main__ import cli

    print(f"serving the policy page at http://{args.host}:{args.port}", flush=True)
    warm = None
    if not args.no_warm:
        # The scenario the page opens on runs now (once: it is cached), in a process of its
        # own, so that opening the page shows its results at once.
        from sim.page import app, runs

        warm = runs.start(*app.opening_config())  # (kept: its queue must outlive the start)
    cli.main(
        [
            "run",
            "sim.page.app",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--production",
            "--no-open",
            "--no-check-version",
        ],
        standalone_mode=True,
    )
    del warm  # (the warm-up is a daemon process: it stops with the server)


if __name__ == "__main__":
    main(sys.argv[1:])
