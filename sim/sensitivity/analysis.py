"""Global sensitivity analysis: which assumptions move an outcome or a reform's effect.

This module owns the factors (a config key and its range, in words), SALib's designs and
indices, and the glue between them and the model's sweeps. Morris screening (Morris 1991;
Campolongo et al. 2007's mu*) runs r trajectories of k+1 points; each trajectory shares one
replicate's random numbers, so an elementary effect is a paired difference, and mu*, mu and
sigma get percentile intervals by resampling trajectories. Sobol indices (Saltelli 2002;
Saltelli et al. 2010's estimators, SALib's ``sobol``) for the few factors that screening finds:
first order S1 and total order ST with SALib's bootstrap intervals; each base row's k+2 points
share a replicate. A reform's effect is the paired difference, run by run, between the reform
and the baseline with the same factor values and replicate (common random numbers). Defaults:
every parameter in ``configs/uncertainty/assumptions.yaml`` (the model's main ``assumption``
values and the levers' strengths), each as a multiplier on its value over two log-scale sds
either way; a YAML of ranges replaces them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config import ConfigError, PolicyConfig, RunConfig, set_values
from sim.io.sweep import Job

LEVEL = 0.90  # interval level of every index
ASSUMPTIONS = Path(__file__).resolve().parents[2] / "configs" / "uncertainty" / "assumptions.yaml"

# Plain words for the default factors (others are named from their key).
LABELS = {
    "params.placements.unplanned_rate": "How often placements break down (unplanned endings)",
    "params.placements.planned_rate": "How often planned moves happen",
    "params.placements.move_propensity_variance": "How much children differ in moving",
    "params.placements.distance_multiplier": "Extra breakdown risk of a distant placement",
    "params.matching.radius_km": "How far councils first search for a placement",
    "params.supply.recruitment_elasticity": "How foster recruitment answers to need",
    "params.supply.entry_margin_elasticity": "How new children's homes answer to margins",
    "params.supply.registration_lag_days": "How long a new home takes to register",
    "params.prices.scarcity_markup": "How prices rise when places are scarce",
    "policy.pooled_commissioning.negotiated_discount": "RCC: discount negotiated on block places",
    "policy.pooled_commissioning.scarcity_markup_factor": "RCC: scarcity markup it still pays",
    "policy.recruitment_hub.approval_uplift": "Recruitment hub: more carers approved",
    "policy.recruitment_hub.retention_gain": "Recruitment hub: carers kept longer",
    "policy.prevention.entry_reduction": "Prevention: fewer children entering care",
    "policy.kinship_support.extra_kin_share": "Kinship support: more placed with family",
    "policy.kinship_support.stability_gain": "Kinship support: steadier kinship placements",
    "policy.staying_close.take_up": "Staying close: share of care leavers taking it up",
    "policy.pooled_commissioning.block_share": "RCC: share of need it block-buys",
    "policy.pooled_commissioning.block_discount": "RCC: discount on block-bought places",
    "policy.pooled_commissioning.market_shaping": "RCC: how strongly it steers new homes",
    "policy.profit_cap.max_margin": "Profit cap: the margin allowed",
    "policy.profit_cap.hurdle_margin_low": "Profit cap: lowest margin a provider requires",
    "policy.profit_cap.hurdle_margin_high": "Profit cap: highest margin a provider requires",
    "policy.profit_cap.supply_response": "Profit cap: how strongly supply answers",
}


@dataclass(frozen=True)
class Factor:
    """A factor: a config key (``*``: a multiplier on its value) over [lower, upper]."""

    key: str
    lower: float
    upper: float

    @property
    def label(self) -> str:
        """The factor in words (with "x" for a multiplier)."""
        path = self.key.rstrip("*")
        words = LABELS.get(path) or path.split(".", 1)[-1].replace(".", ": ").replace("_", " ")
        return f"{words} (x)" if self.key.endswith("*") else words


def default_factors(
    policy: PolicyConfig | None = None, base: RunConfig | None = None
) -> list[Factor]:
    """The default factors: the assumptions file's keys and the scenario's lever strengths.

    Every key of ``configs/uncertainty/assumptions.yaml`` as a multiplier over +-2 sd, and the
    numeric strengths of ``policy``'s levers that their schemas mark ``assumption``. A lever's
    strengths are kept only if ``policy`` switches that lever on (otherwise they cannot act). A
    strength not in the file gets the file's spread for lever strengths (log sd 0.3); with
    ``base``, its range is narrowed to what the lever's schema allows (a share stays at most 1).
    """
    spread = yaml.safe_load(ASSUMPTIONS.read_text())["spread"]
    on = set(policy.enabled()) if policy is not None else set()
    out = []
    for entry in spread:
        key, _, sd = entry.rpartition(":")
        if key.startswith("policy.") and key.split(".")[1] not in on:
            continue
        s = float(sd)
        out.append(Factor(f"{key}*", round(math.exp(-2 * s), 4), round(math.exp(2 * s), 4)))
    listed = {f.key.rstrip("*") for f in out}
    for lever in sorted(on):
        from sim.page.scenario import lever_spec

        for f in lever_spec(lever).fields:
            key = f"policy.{lever}.{f.name}"
            if f.kind != "float" or key in listed or "assumption" not in f.explanation:
                continue
            if not f.default:
                continue  # a multiplier cannot move a zero
            lo, hi = round(math.exp(-2 * LEVER_SD), 4), round(math.exp(2 * LEVER_SD), 4)
            if base is not None:
                lo, hi = _allowed(base, f"{key}*", lo, 1.0), _allowed(base, f"{key}*", hi, 1.0)
            if lo < hi:
                out.append(Factor(f"{key}*", lo, hi))
    return out


LEVER_SD = 0.3  # log sd of a lever strength no evaluation has measured (assumptions.yaml)


def _allowed(base: RunConfig, key: str, want: float, safe: float) -> float:
    """The multiplier nearest ``want`` (towards ``safe``) that the config's bounds allow."""
    try:
        set_values(base, ((key, want),))
        return want
    except ConfigError:
        pass
    for _ in range(30):  # bisection between an allowed and a refused multiplier
        mid = (want + safe) / 2
        try:
            set_values(base, ((key, mid),))
            safe = mid
        except ConfigError:
            want = mid
    return round(safe, 4)


def factors_from_yaml(text: str, source: str) -> list[Factor]:
    """Factors from a YAML mapping ``key: [lower, upper]`` (``key*`` for a multiplier).

    Raises:
        ConfigError: one line naming the file, the key and what was expected.
    """
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{source}: expected a mapping of key: [lower, upper]")
    out = []
    for key, rng in data.items():
        ok = isinstance(rng, list) and len(rng) == 2
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in rng)
        if not ok or not rng[0] < rng[1]:
            raise ConfigError(f"{source}: {key}: expected [lower, upper] with lower < upper")
        out.append(Factor(str(key), float(rng[0]), float(rng[1])))
    return out


def check(factors: list[Factor], base: RunConfig) -> None:
    """Refuse a factor whose key is unknown or whose range the config's bounds refuse.

    Raises:
        ConfigError: the first such factor, in one line.
    """
    names = [f.key for f in factors]
    if len(set(names)) != len(names):
        raise ConfigError("sensitivity: a factor is named twice")
    for f in factors:
        for v in (f.lower, f.upper):
            try:
                set_values(base, ((f.key, v),))
            except ConfigError as exc:
                raise ConfigError(f"sensitivity: {f.key} at {v}: {exc}") from None


def problem(factors: list[Factor]) -> dict:
    """SALib's problem of ``factors``."""
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [[f.lower, f.upper] for f in factors],
    }


def morris_design(factors: list[Factor], trajectories: int, seed: int, levels: int = 4):
    """Morris's design: ``trajectories`` x (k+1) rows, one column per factor."""
    from SALib.sample import morris

    return morris.sample(problem(factors), trajectories, num_levels=levels, seed=seed)


def sobol_design(factors: list[Factor], n: int, seed: int):
    """Saltelli's design for first and total order: n x (k+2) rows (n a power of 2)."""
    from SALib.sample import sobol

    return sobol.sample(problem(factors), n, calc_second_order=False, seed=seed)


def groups(design: str, k: int, rows: int) -> np.ndarray:
    """Each row's group (Morris: its trajectory; Sobol: its base row): it shares a replicate."""
    size = k + 1 if design == "morris" else k + 2
    return np.arange(rows) // size


def _morris_stats(problem_, X, Y, levels: int) -> dict:
    from SALib.analyze import morris

    r = morris.analyze(problem_, X, Y, num_resamples=2, num_levels=levels, seed=0)
    return {"mu_star": r["mu_star"], "mu": r["mu"], "sigma": r["sigma"]}


def morris_indices(
    factors: list[Factor],
    X: np.ndarray,
    Y: np.ndarray,
    output: str,
    seed: int = 0,
    resamples: int = 500,
    levels: int = 4,
) -> pd.DataFrame:
    """mu*, mu and sigma of each factor with 90% intervals (trajectories resampled).

    Returns tidy rows: method, output, factor, label, index, value, lower, upper.
    """
    k = len(factors)
    pr = problem(factors)
    point = _morris_stats(pr, X, Y, levels)
    t = len(Y) // (k + 1)
    rows_of = np.arange(len(Y)).reshape(t, k + 1)
    rng = np.random.default_rng(seed)
    boot = {name: [] for name in point}
    for _ in range(resamples):
        pick = rows_of[rng.integers(0, t, t)].ravel()
        b = _morris_stats(pr, X[pick], Y[pick], levels)
        for name in point:
            boot[name].append(b[name])
    lo, hi = (1 - LEVEL) / 2, (1 + LEVEL) / 2
    out = []
    for name, values in point.items():
        qs = np.quantile(np.asarray(boot[name]), [lo, hi], axis=0)
        for j, f in enumerate(factors):
            out.append(
                {
                    "method": "morris",
                    "output": output,
                    "factor": f.key,
                    "label": f.label,
                    "index": name,
                    "value": float(values[j]),
                    "lower": float(qs[0, j]),
                    "upper": float(qs[1, j]),
                }
            )
    return pd.DataFrame(out)


def sobol_indices(factors: list[Factor], Y: np.ndarray, output: str, seed: int = 0):
    """First-order S1 and total-order ST of each factor with SALib's 90% intervals."""
    from SALib.analyze import sobol

    r = sobol.analyze(
        problem(factors), Y, calc_second_order=False, conf_level=LEVEL, num_resamples=500,
        seed=seed,
    )  # fmt: skip
    out = []
    for name in ("S1", "ST"):
        for j, f in enumerate(factors):
            v, c = float(r[name][j]), float(r[f"{name}_conf"][j])
            out.append(
                {
                    "method": "sobol",
                    "output": output,
                    "factor": f.key,
                    "label": f.label,
                    "index": name,
                    "value": v,
                    "lower": v - c,
                    "upper": v + c,
                }
            )
    return pd.DataFrame(out)


def screened(morris: pd.DataFrame, top: int, share: float = 0.1) -> list[str]:
    """The factors worth Sobol indices, at most ``top``.

    Those whose mu* is at least ``share`` of the largest for some output, ranked by their best
    mu* relative to that output's largest.
    """
    m = morris[morris["index"] == "mu_star"].copy()
    biggest = m.groupby("output")["value"].transform("max")
    m["rel"] = np.where(biggest > 0, m["value"] / biggest.where(biggest > 0, 1.0), 0.0)
    best = m.groupby("factor")["rel"].max().sort_values(ascending=False, kind="stable")
    return [f for f, v in best.items() if v >= share][:top]


def jobs_for(
    X: np.ndarray,
    factors: list[Factor],
    scenarios: list[str],
    group: np.ndarray,
    first_id: int = 0,
) -> list[Job]:
    """A job per design row and scenario; a row's scenarios share its group's replicate."""
    out = []
    keys = [f.key for f in factors]
    for i, row in enumerate(X):
        values = tuple((k, float(v)) for k, v in zip(keys, row, strict=True))
        for s in scenarios:
            out.append(Job(first_id + len(out), s, int(group[i]), values))
    return out


def responses(ind: pd.DataFrame, jobs: list[Job], outputs: list[str]) -> pd.DataFrame:
    """Each job's outputs: the comparison's outcomes for the whole world, mean over years.

    ``ind``: the sweep's indicators (``sim.io.sweep.read``). Returns one row per job:
    ``job``, ``scenario`` and a column per output (NaN where the job failed).
    """
    from sim.io.compare import outcomes

    world = ind[ind["area_type"] == "england"]
    parts = []
    for job_id, g in world.groupby("job", sort=True):
        o = outcomes(g.drop(columns="job"))
        means = o.groupby("outcome")["value"].mean()
        parts.append({"job": int(job_id), **{k: float(means.get(k, np.nan)) for k in outputs}})
    table = pd.DataFrame(parts, columns=["job", *outputs])
    meta = pd.DataFrame({"job": [j.id for j in jobs], "scenario": [j.scenario for j in jobs]})
    return meta.merge(table, on="job", how="left")


def effect_matrix(resp: pd.DataFrame, output: str, scenario: str | None) -> np.ndarray:
    """One value per design row: the baseline's output, or the reform's paired difference.

    Rows follow the jobs' order (a row's scenarios are consecutive jobs).
    """
    base = resp.loc[resp["scenario"] == "baseline", output].to_numpy()
    if scenario is None:
        return base
    return resp.loc[resp["scenario"] == scenario, output].to_numpy() - base
