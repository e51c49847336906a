"""Scoring projections against what happened: back-casts and the pathfinder evaluation.

This module owns running the agent-based model from an observed extract's state (replicates,
optionally under several policies with paired seeds), fitting and projecting the councils'
stock-and-flow comparator (``sim.stockflow``) from the same episodes, and scoring both against
the extract's own indicators for the years that followed: the error of each method's mean per
indicator, year and area, its 90% interval, whether the observed value fell inside it, and a
summary of mean absolute percentage error and interval coverage per method and indicator.
Observed values pass through disclosure control (``sim.io.observed.suppress``) before they are
reported, and errors are computed only where the observed value may be shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import stockflow
from sim.config import RunConfig
from sim.io.observed import SCORED, suppress

LEVEL = 0.90  # interval level of every reported interval
KEY = ["year", "area_type", "area", "indicator"]


def run_reps(
    cfg: RunConfig,
    reps: int,
    workers: int = 1,
    executor: str | None = None,
    address: str | None = None,
) -> pd.DataFrame:
    """Indicators of replicates 0..reps-1 (``rep`` column); identical on any executor.

    ``executor``, ``workers``, ``address``: where the replicates run (``sim.executors``).
    """
    from sim.executors import ordered
    from sim.io.outputs import replicate_indicators

    jobs = [(cfg, r) for r in range(reps)]
    parts = ordered(replicate_indicators, jobs, executor, workers, address)
    out = pd.concat(parts, ignore_index=True)
    return out[out["indicator"].isin(SCORED)]


def area_codes(geo, codes: list[str]) -> dict[tuple[str, str], list[str]]:
    """Areas of a set of LAs: each LA, their RCC pathfinders, regions and all of them."""
    las = geo.las.set_index("ons_code")
    areas: dict[tuple[str, str], list[str]] = {("england", "England"): sorted(codes)}
    for c in sorted(codes):
        areas[("la", c)] = [c]
        r = las.loc[c, "region"]
        areas.setdefault(("region", r), []).append(c)
        p = las.loc[c, "rcc_pathfinder"]
        if isinstance(p, str) and p:
            areas.setdefault(("rcc", p), []).append(c)
    return areas


def stockflow_reps(
    ex,
    geo,
    codes: list[str],
    start: pd.Timestamp,
    years: int,
    draws: int = 200,
    seed: int = 0,
    fit_years: int = 1,
) -> pd.DataFrame:
    """The stock-and-flow comparator fitted on the ``fit_years`` to ``start`` and projected.

    Each area (LA, RCC, region, all) is fitted on its own children's episodes, as a council or
    an RCC would. Rows carry ``rep`` = the posterior draw.
    """
    ep = ex.episodes
    hd = ex.header
    fit_start = start - pd.DateOffset(years=fit_years) + pd.Timedelta(days=1)
    parts = []
    for (atype, area), members in area_codes(geo, codes).items():
        e = ep[ep["LA"].isin(members)]
        if e.empty:
            continue
        h = hd[hd["CHILD"].isin(e["CHILD"])]
        proj = stockflow.fit_and_project(e, h, fit_start, start, years, draws=draws, seed=seed)
        proj = proj[proj["draw"] >= 0] if draws > 0 else proj
        parts.append(proj.rename(columns={"draw": "rep"}).assign(area_type=atype, area=area))
    out = pd.concat(parts, ignore_index=True)
    return out[out["indicator"].isin(SCORED)][["rep", *KEY, "value"]]


def summarise_runs(runs: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Mean and ``level`` interval over replicates (or draws) per indicator."""
    q = (1 - level) / 2
    g = runs.groupby(KEY)["value"]
    return g.agg(
        mean="mean", lo=lambda v: v.quantile(q), hi=lambda v: v.quantile(1 - q)
    ).reset_index()


def score(
    observed: pd.DataFrame, methods: dict[str, pd.DataFrame], years: list[int]
) -> pd.DataFrame:
    """Each method's projection against the (disclosure-controlled) observed indicators.

    Args:
        observed: tidy observed indicators (``sim.metrics.indicators`` of the extract).
        methods: method name -> tidy runs with a ``rep`` column.
        years: the years scored.

    Returns:
        One row per method, year, area and indicator: observed (blank if suppressed), mean,
        lo, hi, error (mean - observed), relative error and whether the interval covers it.
    """
    # Suppress first: shares need their denominators (cla, distance_known, ...) to be judged.
    obs = suppress(observed[observed["year"].isin(years)])
    obs = obs[obs["indicator"].isin(SCORED)]
    obs = obs[[*KEY, "value", "suppressed"]].rename(columns={"value": "observed"})
    rows = []
    for name, runs in methods.items():
        s = summarise_runs(runs[runs["year"].isin(years)]).assign(method=name)
        rows.append(s.merge(obs, on=KEY, how="inner"))
    out = pd.concat(rows, ignore_index=True)
    out["error"] = out["mean"] - out["observed"]
    out["rel_error"] = out["error"] / out["observed"].where(out["observed"] != 0)
    covered = (out["lo"] <= out["observed"]) & (out["observed"] <= out["hi"])
    out["covered"] = covered.astype(float).where(out["observed"].notna())
    cols = ["method", *KEY, "observed", "mean", "lo", "hi", "error", "rel_error", "covered"]
    return out[cols].sort_values(["method", *KEY], kind="stable").reset_index(drop=True)


def summary(scored: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute (percentage) error and interval coverage per method and indicator."""
    s = scored.dropna(subset=["observed"])
    share = s["indicator"].str.startswith(("share", "long"))
    s = s.assign(
        abs_error=s["error"].abs(),
        abs_pct_error=(100 * s["rel_error"].abs()).where(~share),
        abs_points_error=(100 * s["error"].abs()).where(share),
        covered=s["covered"].astype(float),
    )
    g = s.groupby(["method", "area_type", "indicator"])
    out = g.agg(
        n=("abs_error", "size"),
        mean_abs_pct_error=("abs_pct_error", "mean"),
        mean_abs_points_error=("abs_points_error", "mean"),
        coverage=("covered", "mean"),
    )
    return out.reset_index()


def backcast_figure(scored: pd.DataFrame, path, area_type: str = "england") -> None:
    """Observed against each method's mean and interval, by year, for the headline indicators."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    names = ["cla", "starts", "ceased", "placement_changes", "share_place_foster"]
    d = scored[(scored["area_type"] == area_type) & scored["indicator"].isin(names)]
    areas = sorted(d["area"].unique())[:1]
    d = d[d["area"].isin(areas)]
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.2))
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        x = d[d["indicator"] == name]
        for k, (method, m) in enumerate(x.groupby("method", sort=True)):
            ax.fill_between(m["year"], m["lo"], m["hi"], alpha=0.2, color=f"C{k}")
            ax.plot(m["year"], m["mean"], color=f"C{k}", label=method)
        o = x.drop_duplicates("year")
        ax.plot(o["year"], o["observed"], "ko", label="observed")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("year ending 31 March")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def paired_effect(
    factual: pd.DataFrame, counterfactual: pd.DataFrame, level: float = LEVEL
) -> pd.DataFrame:
    """Factual minus counterfactual per indicator and year over paired replicates.

    Replicate k of both runs shares its seed, so the difference removes most of the noise
    they share; the interval is the Student-t interval of the mean paired difference.
    """
    from scipy import stats

    both = factual.merge(counterfactual, on=["rep", *KEY], suffixes=("_f", "_c"))
    both["d"] = both["value_f"] - both["value_c"]
    g = both.groupby(KEY)["d"]
    agg = g.agg(effect="mean", sd="std", reps="count").reset_index()
    t = stats.t.ppf(0.5 + level / 2, np.maximum(agg["reps"] - 1, 1))
    half = np.where(agg["reps"] > 1, t * agg["sd"] / np.sqrt(agg["reps"]), np.nan)
    agg["effect_lo"] = agg["effect"] - half
    agg["effect_hi"] = agg["effect"] + half
    return agg.drop(columns=["sd"])


def pathfinder_report(
    observed: pd.DataFrame,
    methods: dict[str, pd.DataFrame],
    go_live_year: int,
    years: list[int],
) -> pd.DataFrame:
    """Observed before and after go-live beside each method's mean and interval, and the effect.

    Args:
        observed: tidy observed indicators for every year of the extract.
        methods: ``factual`` (model with the RCC), ``counterfactual`` (without) and
            optionally ``stock_and_flow``; tidy runs with ``rep``.
        go_live_year: the first year ending 31 March in which the RCC operated.
        years: all years of the extract.

    Returns:
        One row per year, area (LA and RCC) and indicator: period (before/after), observed
        (disclosure-controlled), ``<method>_mean/_lo/_hi`` and the paired effect of the RCC.
    """
    obs = suppress(observed[observed["year"].isin(years)])
    obs = obs[obs["indicator"].isin(SCORED) & obs["area_type"].isin(("la", "rcc"))]
    out = obs[[*KEY, "value", "suppressed"]].rename(columns={"value": "observed"})
    for name, runs in methods.items():
        s = summarise_runs(runs[runs["area_type"].isin(("la", "rcc"))])
        s = s.rename(columns={c: f"{name}_{c}" for c in ("mean", "lo", "hi")})
        out = out.merge(s, on=KEY, how="outer")
    if "factual" in methods and "counterfactual" in methods:
        out = out.merge(
            paired_effect(methods["factual"], methods["counterfactual"]).drop(columns="reps"),
            on=KEY,
            how="left",
        )
    out.insert(1, "period", np.where(out["year"] >= go_live_year, "after", "before"))
    return out.sort_values(KEY, kind="stable").reset_index(drop=True)


def evaluation_figure(report: pd.DataFrame, rcc: str, path, go_live_year: int) -> None:
    """Observed, factual, counterfactual and stock-and-flow over the years for the RCC area."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    names = ["cla", "starts", "placement_changes", "share_place_foster", "share_outside_la"]
    d = report[(report["area_type"] == "rcc") & (report["area"] == rcc)]
    fig, axes = plt.subplots(1, len(names), figsize=(3.3 * len(names), 3.3))
    methods = [m for m in ("factual", "counterfactual", "stock_and_flow") if f"{m}_mean" in d]
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        x = d[d["indicator"] == name].sort_values("year")
        for k, m in enumerate(methods):
            y = x.dropna(subset=[f"{m}_mean"])
            ax.fill_between(y["year"], y[f"{m}_lo"], y[f"{m}_hi"], alpha=0.2, color=f"C{k}")
            ax.plot(y["year"], y[f"{m}_mean"], color=f"C{k}", label=m)
        ax.plot(x["year"], x["observed"], "ko", label="observed")
        ax.axvline(go_live_year - 0.5, color="k", lw=0.8, ls="--")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("year ending 31 March")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.suptitle(f"{rcc}: observed and modelled (RCC live from the dashed line)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
