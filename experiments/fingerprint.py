"""Fingerprints of every output file, to show that a refactor leaves outputs unchanged.

    python experiments/fingerprint.py record outputs/fingerprints.json   # before a change
    python experiments/fingerprint.py check outputs/fingerprints.json    # after each step
    python experiments/fingerprint.py check FILE --only tiny_baseline     # one case

Runs each case below in this process (one replicate; Greater Manchester for 3 years, the tiny
world for 2), writes its run folder with ``write_run`` (figures off) into a temporary folder and
records the sha256 of each file's content (gzip files decompressed, so a change of compression
is not a change of content) and every counter the model keeps. The manifest (code version,
timings) and the resolved config (empty here) are left out. The observed start builds a
synthetic extract from a tiny run (no real data) and starts a tiny world from it.
``check`` prints each difference and exits 1 if there is one.
"""

import argparse
import gzip
import hashlib
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TINY = ["world=tiny", "years=2", "seed=1"]
GM = ["world=greater_manchester", "years=3", "seed=7"]
CASES = {
    "tiny_baseline": [*TINY, "policy=baseline"],
    "tiny_reform_package": [*TINY, "policy=reform_package"],
    "tiny_profit_cap": [*TINY, "policy=profit_cap"],
    "gm_baseline": [*GM, "policy=baseline"],
    "gm_reform_package": [*GM, "policy=reform_package", "output.returns=true"],
    "gm_profit_cap": [*GM, "policy=profit_cap"],
    "gm_rcc_pathfinders": [*GM, "policy=rcc_pathfinders"],
}
SKIP = {"manifest.json", "config_resolved.yaml"}


def _digest(path: Path, tmp: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    data = data.replace(str(tmp).encode(), b"<tmp>")  # an observed start's folder
    return hashlib.sha256(data).hexdigest()


def _files(out: Path, tmp: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): _digest(p, tmp)
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in SKIP
    }


def _case(argv: list[str], tmp: Path) -> dict:
    from sim.io.cli import validate
    from sim.io.outputs import run_all, write_run

    cfg = validate(argv)
    results = run_all(cfg)
    out = tmp / "out"
    write_run(out, cfg, results, figures=False)
    counters = {
        k: v
        for k, v in results[0]["timing"].items()
        if k not in ("build_s", "run_s", "indicators_s")
    }
    return {"files": _files(out, tmp), "counters": counters}


def _observed_case(tmp: Path) -> dict:
    from sim.io import ssda903 as io903
    from sim.io.cli import validate
    from sim.io.outputs import run_replicate

    src = run_replicate(validate([*TINY, "years=3"]), 0)
    io903.write_returns(src["episodes"], src["header"], [2026, 2027, 2028], tmp / "observed")
    argv = [
        "world=tiny",
        "world.scale=1.0",
        f"world.observed={tmp / 'observed'}",
        "start_date=2027-03-31",
        "years=1",
        "seed=3",
    ]
    return _case(argv, tmp)


def fingerprints(only: list[str] | None = None) -> dict:
    """Every case's file digests and counters."""
    out = {}
    names = [*CASES, "tiny_observed_start"]
    for name in only or names:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            out[name] = (
                _observed_case(tmp) if name == "tiny_observed_start" else _case(CASES[name], tmp)
            )
        print(f"{name}: {len(out[name]['files'])} files", file=sys.stderr)
    return out


def compare(saved: dict, now: dict) -> list[str]:
    """The differences between two sets of fingerprints, one line each."""
    diffs = []
    for case, got in now.items():
        want = saved.get(case)
        if want is None:
            diffs.append(f"{case}: not recorded")
            continue
        for part in ("files", "counters"):
            for key in sorted(set(want[part]) | set(got[part])):
                a, b = want[part].get(key), got[part].get(key)
                if a != b:
                    diffs.append(f"{case}: {part} {key}: {a} -> {b}")
    return diffs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["record", "check"])
    ap.add_argument("path", type=Path)
    ap.add_argument("--only", nargs="*", help="case names (default: all)")
    a = ap.parse_args()
    now = fingerprints(a.only)
    if a.action == "record":
        a.path.parent.mkdir(parents=True, exist_ok=True)
        a.path.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(now)} cases in {a.path}")
        return
    diffs = compare(json.loads(a.path.read_text()), now)
    for d in diffs:
        print(d)
    print(f"{len(now)} cases: " + (f"{len(diffs)} differences" if diffs else "identical"))
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
