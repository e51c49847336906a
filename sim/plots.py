"""Figures drawn from a run folder's tables only (never from a live model).

This module owns the figures of a run (matplotlib): the stock of children by placement type
over the years with replicate bands, the first year's headline indicators against the
national targets, a back-cast's years against DfE's series; and of a scenario comparison
(seaborn): fan charts of outcomes over time by scenario (median and 90% band over replicates)
and a forest plot of each scenario's effect on each outcome (relative to the baseline, with
its 90% interval).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

# Okabe and Ito's palette, told apart by readers with any common colour-vision deficiency.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")

PLACE_LABELS = {
    "cla_place_foster": "Foster",
    "cla_place_homes_secure": "Children's & secure homes",
    "cla_place_supported_independent": "Supported accommodation",
    "cla_place_placed_with_parents": "With parents",
    "cla_place_placed_for_adoption": "Placed for adoption",
    "cla_place_other": "Other",
}


def stock_by_placement(ind: pd.DataFrame, path: Path) -> None:
    """CLA at 31 March by placement type over the years (90% band over replicates)."""
    e = ind[(ind["area_type"] == "england") & ind["indicator"].isin(PLACE_LABELS)]
    by = e.groupby(["indicator", "year"])["value"]
    stats = pd.DataFrame(
        {"mean": by.mean(), "lo": by.quantile(0.05), "hi": by.quantile(0.95)}
    ).reset_index()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for (indicator, label), colour in zip(PLACE_LABELS.items(), OKABE_ITO, strict=False):
        d = stats[stats["indicator"] == indicator]
        if d.empty:
            continue
        ax.plot(d["year"], d["mean"], marker="o", color=colour, label=label)
        ax.fill_between(d["year"], d["lo"], d["hi"], color=colour, alpha=0.2, lw=0)
    ax.legend(title="placement", fontsize=8)
    ax.set_ylabel("children looked after at 31 March")
    ax.set_xlabel("year ending 31 March")
    ax.set_title("Children looked after by placement type (simulated)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def targets_figure(check: pd.DataFrame, path: Path) -> None:
    """Each headline indicator's simulated value (and 90% interval) against its target band."""
    c = check.copy()
    c["rel"] = c["simulated"] / c["target_value"]
    c["lo"] = c["lower"] / c["target_value"]
    c["hi"] = c["upper"] / c["target_value"]
    c["p05"] = c["sim_p05"] / c["target_value"]
    c["p95"] = c["sim_p95"] / c["target_value"]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(c) + 1.5))
    y = range(len(c))
    ax.barh(list(y), c["hi"] - c["lo"], left=c["lo"], color="#cfe3f3", label="target tolerance")
    ax.errorbar(
        c["rel"],
        list(y),
        xerr=[c["rel"] - c["p05"], c["p95"] - c["rel"]],
        fmt="none",
        ecolor="#555",
        label="simulated (90% interval)",
    )
    for i, w in enumerate(c["within"]):
        ax.plot(c["rel"].iloc[i], i, "o", color="#2a7" if w else "#c33")
    ax.plot([], [], "o", color="#2a7", label="within tolerance")
    ax.plot([], [], "o", color="#c33", label="outside tolerance")
    ax.axvline(1.0, color="#333", lw=0.8)
    ax.set_yticks(list(y), c["target"])
    ax.invert_yaxis()
    ax.set_xlabel("simulated / target (first simulated year, to 31 March 2026)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_figures(run_dir: Path, fig_dir: Path) -> None:
    """Draw every figure of a run folder into ``fig_dir``."""
    ind = pd.read_csv(Path(run_dir) / "indicators.csv")
    stock_by_placement(ind, Path(fig_dir) / "stock_by_placement.png")
    chk = Path(run_dir) / "baseline_check.csv"
    if chk.exists():
        targets_figure(pd.read_csv(chk), Path(fig_dir) / "indicators_vs_targets.png")
    dyn = Path(run_dir) / "dynamics_check.csv"
    if dyn.exists():
        dynamics_figure(pd.read_csv(dyn), Path(fig_dir) / "backcast_vs_dfe.png")


def dynamics_figure(check: pd.DataFrame, path: Path) -> None:
    """A back-cast's years against DfE's and Ofsted's: a panel per measure, the band shaded.

    ``check`` is ``dynamics_check.csv``: per year and measure the simulated mean and 90% range
    over replicates, DfE's figure and the tolerance band.
    """
    names = list(dict.fromkeys(check["target"]))
    ncol = min(4, len(names))
    nrow = -(-len(names) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.3 * ncol, 3.2 * nrow), squeeze=False)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        c = check[check["target"] == name].sort_values("year")
        ax.fill_between(c["year"], c["lower"], c["upper"], color="0.88", label="tolerance band")
        ax.plot(c["year"], c["observed"], "o-", color="black", label="observed (DfE, Ofsted)")
        ax.errorbar(
            c["year"],
            c["simulated"],
            yerr=[c["simulated"] - c["sim_p05"], c["sim_p95"] - c["simulated"]],
            fmt="s--",
            color=OKABE_ITO[0],
            label="simulated (range over replicates)",
        )
        ax.set_title(name, fontsize=9)
        ax.set_xticks(c["year"].tolist())
        ax.set_xlabel("year to 31 March")
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle("Back-cast from 31 March 2021 against DfE's and Ofsted's series", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fan_charts(out: pd.DataFrame, names, folder: Path) -> None:
    """One fan chart per outcome: England's value by year and scenario, 90% band over reps."""
    import seaborn as sns  # here only: its import costs a run's figures a second

    eng = out[(out["area_type"] == "england") & out["outcome"].isin(list(names))]
    if eng.empty:
        return
    g = sns.relplot(
        data=eng,
        x="year",
        y="value",
        hue="scenario",
        col="outcome",
        col_wrap=3,
        kind="line",
        estimator="median",
        errorbar=("pi", 90),
        facet_kws={"sharey": False},
        height=3.0,
        aspect=1.3,
    )
    g.set_titles("{col_name}")
    g.figure.suptitle("England by scenario: median and 90% band over paired replicates", y=1.02)
    g.savefig(folder / "fan_charts.png", dpi=110)
    plt.close(g.figure)


def forest(eff: pd.DataFrame, path: Path) -> None:
    """Each scenario's effect on each outcome over all years, as % of baseline (90% interval)."""
    import seaborn as sns

    e = eff[(eff["area_type"] == "england") & (eff["period"] == "all_years")].copy()
    e = e[e["baseline"].abs() > 0]
    if e.empty:
        return
    outcomes = list(dict.fromkeys(e.sort_values(["group", "outcome"])["outcome"]))
    scen = sorted(e["scenario"].unique())
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(outcomes) * max(1, len(scen)) ** 0.5 + 2))
    palette = sns.color_palette("tab10", len(scen))
    step = 0.8 / max(1, len(scen))
    for j, sc in enumerate(scen):
        d = e[e["scenario"] == sc].set_index("outcome").reindex(outcomes)
        y = [i + (j - (len(scen) - 1) / 2) * step for i in range(len(outcomes))]
        x = 100 * d["rel_diff"]
        lo = (100 * (d["rel_diff"] - d["rel_lo"])).clip(lower=0).fillna(0)
        hi = (100 * (d["rel_hi"] - d["rel_diff"])).clip(lower=0).fillna(0)
        ax.errorbar(x, y, xerr=[lo, hi], fmt="o", ms=3, color=palette[j], label=sc, lw=1)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(outcomes)))
    ax.set_yticklabels(outcomes, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("difference from baseline, % of baseline (mean over years; 90% interval)")
    ax.set_xscale("symlog", linthresh=5)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
