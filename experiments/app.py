"""Serve the policy page: build a reform, run it against the baseline, see what it does.

python3 experiments/app.py                 # http://127.0.0.1:8765
python3 experiments/app.py --port 9000     # another port (0: any free one)
python3 experiments/app.py --no-warm-main  # run the opening scenario on start, not the main job

The page (``sim/page/app.py``) is a Solara app; its front end is served from the installed
``solara-assets`` package, so it works with no internet. Runs go to processes of their own
(``sim/page/runs.py``) and their outcomes are cached in ``~/.cache/sim-page``. On start the
server runs, in the background and one after the other, what the page opens on: the opening
scenario (Greater Manchester, seconds) and the main job's eight England scenarios (about 10
minutes on one core, 1.4 GB); each is run once, then cached.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def warm(main_job: bool) -> None:
    """Run what the page opens on (each once: then it is cached), one after the other.

    Each run is a daemon process of its own (``sim.page.runs``): it stops with the server.
    """
    from sim.page import app, runs

    todo = [app.opening_config()]
    if main_job:
        cfg, policies = runs.main_job()
        todo.append((cfg, *policies))
    for cfg, *policies in todo:
        job = runs.start(cfg, *policies)
        while not job.finished:
            time.sleep(1.0)
            runs.poll(job)
        if job.error:
            print(f"warming up: {job.error}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--no-warm", action="store_true", help="run nothing on start")
    ap.add_argument(
        "--no-warm-main", action="store_true", help="do not run the main job's scenarios on start"
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    # No internet: the front end is served by this server (Solara's assets proxy, which finds
    # every file in the installed solara-assets), and no usage telemetry is sent.
    os.environ.setdefault("SOLARA_ASSETS_PROXY", "true")
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    from solara.__main__ import cli

    print(f"serving the policy page at http://{args.host}:{args.port}", flush=True)
    if not args.no_warm:
        threading.Thread(target=warm, args=(not args.no_warm_main,), daemon=True).start()
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


if __name__ == "__main__":
    main(sys.argv[1:])
