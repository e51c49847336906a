"""Parameter uncertainty: each replicate's draw of uncertain parameters, paired across scenarios.

This module owns turning a run's ``uncertainty`` section (dotted config keys, each with a
log-scale spread) into the parameter values of one replicate. Replicate k multiplies each
listed value by ``exp(sd * z)``, where ``z`` is the standard normal quantile of a uniform keyed
by the root seed, the replicate and the key (``sim.rng.keyed_uniforms``): the draw does not
depend on the scenario, the other keys or the number of workers, so replicate k of every
scenario runs with the same parameters, and a paired difference over replicates carries what
we do not know about the parameters as well as the model's chance. Lists are scaled
element-wise and whole-number keys are rounded; the drawn config is validated like any other.
With ``uncertainty.posterior`` (a calibration's posterior sample), replicate k first takes one
row of the sample, chosen by a uniform keyed by the seed and the replicate: again the same row
in every scenario.
"""

from __future__ import annotations

import functools
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from sim.config import ConfigError, RunConfig, get_path, set_path, set_values
from sim.rng import keyed_uniforms


def entries(cfg: RunConfig) -> list[tuple[str, float]]:
    """The (key, log sd) pairs of ``cfg.uncertainty.spread``, in the order given."""
    out = []
    for entry in cfg.uncertainty.spread:
        key, _, sd = entry.rpartition(":")
        out.append((key, float(sd)))
    return out


def multipliers(cfg: RunConfig, rep: int) -> dict[str, float]:
    """Replicate ``rep``'s multiplier for every uncertain key (1.0 where the spread is 0)."""
    z = NormalDist()
    out = {}
    for key, sd in entries(cfg):
        u = float(keyed_uniforms(f"uncertainty:{key}", cfg.seed, rep, np.array([0]))[0])
        out[key] = float(np.exp(sd * z.inv_cdf(u)))
    return out


@functools.cache
def posterior_sample(path: str) -> pd.DataFrame:
    """The posterior draws at ``path`` (relative paths from the project's root).

    Raises:
        ConfigError: a column that is not a ``params.*`` or ``policy.*`` key, or no draws.
    """
    full = Path(path) if Path(path).is_absolute() else Path(__file__).resolve().parents[1] / path
    sample = pd.read_csv(full, comment="#")
    bad = [c for c in sample.columns if not str(c).startswith(("params.", "policy."))]
    if bad or sample.empty:
        what = f"column {bad[0]!r} is not a params.* or policy.* key" if bad else "no draws"
        raise ConfigError(f"uncertainty.posterior={path}: {what}")
    return sample


def posterior_draw(cfg: RunConfig, rep: int) -> tuple[int, dict[str, float]]:
    """Replicate ``rep``'s row of the posterior sample and its values ((-1, {}) if none).

    The row is drawn by a uniform keyed by the root seed and the replicate only, so replicate
    k of every scenario runs with the same draw.
    """
    if not cfg.uncertainty.posterior:
        return -1, {}
    sample = posterior_sample(cfg.uncertainty.posterior)
    u = float(keyed_uniforms("uncertainty:posterior", cfg.seed, rep, np.array([0]))[0])
    row = min(int(u * len(sample)), len(sample) - 1)
    return row, {str(k): float(v) for k, v in sample.iloc[row].items()}


def draw(cfg: RunConfig, rep: int) -> tuple[RunConfig, dict[str, float]]:
    """The config replicate ``rep`` runs with, and what was drawn (``cfg`` when none).

    First the posterior draw's values (``uncertainty.posterior``), then the multipliers of
    ``uncertainty.spread``. The returned dict holds the multipliers, each posterior value and
    ``posterior_draw`` (the row).
    """
    row, values = posterior_draw(cfg, rep)
    cfg = set_values(cfg, list(values.items()))
    mult = multipliers(cfg, rep)
    for key, m in mult.items():
        base = get_path(cfg, key, "uncertainty.spread")
        if isinstance(base, list):
            value: object = [type(b)(round(b * m)) if isinstance(b, int) else b * m for b in base]
        elif isinstance(base, int):
            value = round(base * m)
        else:
            value = base * m
        cfg = set_path(cfg, key, value)
    if row >= 0:
        return cfg, {**mult, **values, "posterior_draw": float(row)}
    return cfg, mult
