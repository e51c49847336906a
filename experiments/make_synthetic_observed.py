"""Make a synthetic 'observed' SSDA903 extract with the model (for demonstrations and tests).

python experiments/make_synthetic_observed.py out=outputs/synthetic/gm world=greater_manchester \
    policy=rcc_pathfinders policy.pooled_commissioning.start=2027-04-01 seed=99 years=5 \
    params.entry.rate_multiplier=1.1

Runs replicate 0 of the given configuration and writes its episodes as SSDA903 returns, one
Header, Episodes and UASC file per LA and year (``out/<LA>/<year>-*.csv``), for every year from
the year to 31 March 2025 (which holds the synthetic history of the children then in care) to
the end of the run. It is not real data; it stands in for councils' returns in the README's
demonstration of the back-cast and the pathfinder evaluation.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.io.cli import UserError, run_main, validate  # noqa: E402


def main(argv: list[str]) -> None:
    """Run and write the returns."""
    from sim.io import ssda903 as io903
    from sim.io.outputs import run_replicate

    out = next((a.partition("=")[2] for a in argv if a.startswith("out=")), "")
    if not out:
        raise UserError("out=FOLDER is required")
    rest = [a for a in argv if not a.startswith("out=")]
    cfg = validate(rest)
    r = run_replicate(cfg, 0)
    y0 = int(cfg.start_date[:4])
    files = io903.write_returns(
        r["episodes"], r["header"], list(range(y0, y0 + cfg.years + 1)), out
    )
    print(f"wrote {len(files)} files to {out} (synthetic, not real data)")


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
