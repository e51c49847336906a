"""Parameter uncertainty: each replicate's draw of uncertain parameters, paired across scenarios.

This module owns turning a run's ``uncertainty`` section (dotted config keys, each with a
log-scale spread) into the parameter values of one replicate. Replicate k multiplies each
listed value by ``exp(sd * z)``, where ``z`` is the standard normal quantile of a uniform keyed
by the root seed, the replicate and the key (``sim.rng.keyed_uniforms``): the draw does not
depend on the scenario, the other keys or the number of workers, so replicate k of every
scenario runs with the same parameters, and a paired difference over replicates carries what
we do not know about the parameters as well as the model's chance. Lists are scaled
element-wise and whole-number keys are rounded; the drawn config is validated like any other.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from sim.config import RunConfig, get_path, set_path
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


def draw(cfg: RunConfig, rep: int) -> tuple[RunConfig, dict[str, float]]:
    """The config replicate ``rep`` runs with, and its multipliers (``cfg`` when none)."""
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
    return cfg, mult
