"""Calibration: fit chosen parameters to targets and report the fit.

This module owns fitting a run's parameters (entry, exit and breakdown hazards, supply
responses: any numeric ``params.*`` key, or a multiplier on a list-valued one) to a table of
targets: the national targets of ``sim.calibration.targets`` or the indicators of an observed
extract. The objective is the sum of squared standardised residuals of the replicate-mean
indicators, with common random numbers (every evaluation uses the same seeds, so the surface is
not re-drawn between evaluations). The optimiser is scipy's bounded Nelder-Mead on the unit
cube of the parameter bounds: derivative-free, because event counts make the surface a step
function, and cheap in evaluations. The result is the fitted values as a config file
(Hydra overrides), a fit report (every target with the simulated mean and a 90% interval over
replicates) and a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from sim.calibration.targets import BASELINE_TARGETS
from sim.config import ConfigError, RunConfig, get_path, set_path
from sim.io.observed import SCORED


@dataclass(frozen=True)
class FitParam:
    """One parameter to fit.

    Attributes:
        path: dotted config key, e.g. ``params.entry.rate_multiplier``.
        lower, upper: bounds (of the value, or of the multiplier for a list).
        scale: True to fit a multiplier on every element of a list-valued key.
    """

    path: str
    lower: float
    upper: float
    scale: bool = False


@dataclass
class FitResult:
    """What a calibration found."""

    params: list[FitParam]
    values: np.ndarray
    start_values: np.ndarray
    objective: float
    start_objective: float
    evaluations: int
    report: pd.DataFrame
    history: list[tuple[list[float], float]] = field(default_factory=list)

    def overrides(self) -> dict[str, object]:
        """The fitted values as config keys (lists already multiplied)."""
        return dict(self._resolved)

    _resolved: dict[str, object] = field(default_factory=dict)


def apply(cfg: RunConfig, params: list[FitParam], x: np.ndarray) -> tuple[RunConfig, dict]:
    """Set every parameter to its value in ``x``; return the config and the resolved keys."""
    resolved: dict[str, object] = {}
    for p, v in zip(params, x, strict=True):
        base = get_path(cfg, p.path)
        if p.scale:
            if not isinstance(base, list):
                raise ConfigError(f"fit: {p.path} is not a list; fit it as a value")
            value: object = [float(b) * float(v) for b in base]
        else:
            if isinstance(base, list | bool) or not isinstance(base, int | float):
                raise ConfigError(f"fit: {p.path} is not a number; use scale for a list")
            value = float(v)
        resolved[p.path] = value
        cfg = set_path(cfg, p.path, value)
    return cfg, resolved


# ---- targets -------------------------------------------------------------------------------------
TARGET_COLUMNS = ["year", "area_type", "area", "indicator", "value", "sd", "label"]


def national_targets(year: int = 2026) -> pd.DataFrame:
    """The national targets as a target table; sd = the tolerance (absolute or relative)."""
    rows = []
    for t in BASELINE_TARGETS:
        value = t.value / t.scale
        sd = (t.tolerance * t.value if t.relative else t.tolerance) / t.scale
        rows.append((year, "england", "England", t.indicator, value, sd, t.label))
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def dynamics_fit_targets() -> pd.DataFrame:
    """The back-cast's targets (``targets.dynamics_targets``) as a target table.

    Each year 2022-2025 of a synthetic England from 31 March 2021; sd = the tolerance (CLA 4%,
    starts and ceased 8%, placement shares 1.5 points), in the indicator's own units.
    """
    from sim.calibration.targets import dynamics_targets

    t = dynamics_targets()
    return pd.DataFrame(
        {
            "year": t["year"],
            "area_type": "england",
            "area": "England",
            "indicator": t["indicator"],
            "value": t["observed"] / t["scale"],
            "sd": (t["upper"] - t["observed"]) / t["scale"],
            "label": t["label"],
        }
    )[TARGET_COLUMNS]


# Indicators fitted from an observed extract, and their sd: counts sqrt(n) or 5% (whichever is
# larger: Poisson noise plus model error, assumption); shares 2 points (assumption).
OBSERVED_FIT = tuple(
    n for n in SCORED if n not in ("share_over_20_miles_of_known", "share_outside_la")
)  # distance follows from supply and matching, not from the hazards usually fitted


def observed_targets(
    ind: pd.DataFrame, years: list[int], area_type: str = "england", names=OBSERVED_FIT
) -> pd.DataFrame:
    """A target table from an extract's indicators (tidy rows of ``sim.metrics.indicators``)."""
    sel = ind[ind["year"].isin(years) & (ind["area_type"] == area_type)]
    sel = sel[sel["indicator"].isin(names)].dropna(subset=["value"])
    share = sel["indicator"].str.startswith(("share", "long"))
    sd = np.where(share, 0.02, np.maximum(np.sqrt(sel["value"]), 0.05 * sel["value"]))
    out = sel.assign(sd=np.maximum(sd, 1e-9), label=sel["indicator"])
    return out[TARGET_COLUMNS].reset_index(drop=True)


# ---- evaluating ----------------------------------------------------------------------------------
def simulate(
    cfg: RunConfig, reps: int, executor: str | None = None, address: str | None = None
) -> pd.DataFrame:
    """Indicators of replicates 0..reps-1 (tidy, with a ``rep`` column).

    The replicates run on ``executor`` with ``cfg.workers`` workers (``sim.executors``).
    """
    from sim.executors import ordered
    from sim.io.outputs import replicate_indicators

    jobs = [(cfg, r) for r in range(reps)]
    parts = ordered(replicate_indicators, jobs, executor, cfg.workers, address)
    return pd.concat(parts, ignore_index=True)


def compare(ind: pd.DataFrame, targets: pd.DataFrame, level: float = 0.90) -> pd.DataFrame:
    """Each target with the simulated mean, a ``level`` interval over replicates, residual."""
    key = ["year", "area_type", "area", "indicator"]
    sim = ind.merge(targets[key], on=key)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    g = sim.groupby(key)["value"]
    stats = g.agg(
        simulated="mean", lo=lambda v: v.quantile(lo_q), hi=lambda v: v.quantile(hi_q)
    ).reset_index()
    out = targets.merge(stats, on=key, how="left")
    out = out.rename(columns={"value": "target"})
    out["residual"] = (out["simulated"] - out["target"]) / out["sd"]
    out["within_sd"] = out["residual"].abs() <= 1.0
    return out


def objective(report: pd.DataFrame) -> float:
    """Sum of squared standardised residuals (a missing indicator counts as 100 sd off)."""
    r = report["residual"].fillna(100.0).to_numpy()
    return float(np.sum(r * r))


def fit(
    cfg: RunConfig,
    params: list[FitParam],
    targets: pd.DataFrame,
    reps: int = 2,
    max_evals: int = 40,
    log=None,
    executor: str | None = None,
    address: str | None = None,
) -> FitResult:
    """Fit ``params`` of ``cfg`` to ``targets``.

    Args:
        cfg: the run (world, years, start date, seed) whose parameters are fitted.
        params: the parameters and their bounds.
        targets: target table (``TARGET_COLUMNS``).
        reps: replicates per evaluation (common random numbers: seeds fixed).
        max_evals: budget of model evaluations.
        log: optional callable(str) for progress lines.
        executor, address: where each evaluation's replicates run (``sim.executors``),
            with ``cfg.workers`` workers.

    Returns:
        The fitted values, the report at the fit and the history of evaluations.
    """
    lo = np.array([p.lower for p in params], float)
    hi = np.array([p.upper for p in params], float)
    if np.any(hi <= lo):
        raise ConfigError("fit: every parameter needs lower < upper")
    x0 = np.array(
        [1.0 if p.scale else float(get_path(cfg, p.path)) for p in params],
        float,
    )
    x0 = np.clip(x0, lo, hi)
    history: list[tuple[list[float], float]] = []
    cache: dict[tuple, float] = {}

    def evaluate(x: np.ndarray) -> float:
        key = tuple(np.round(x, 10))
        if key in cache:
            return cache[key]
        c, _ = apply(cfg, params, x)
        f = objective(compare(simulate(c, reps, executor, address), targets))
        cache[key] = f
        history.append(([float(v) for v in x], f))
        if log:
            log(f"eval {len(history):3d}: " + ", ".join(f"{v:.4g}" for v in x) + f" -> {f:.4g}")
        return f

    def f_unit(z: np.ndarray) -> float:
        return evaluate(lo + np.clip(z, 0.0, 1.0) * (hi - lo))

    z0 = (x0 - lo) / (hi - lo)
    f0 = f_unit(z0)
    # A simplex that spans a fifth of each range, so that one step moves event counts.
    simplex = np.vstack(
        [z0] + [np.clip(z0 + 0.2 * np.eye(len(z0))[i], 0, 1) for i in range(len(z0))]
    )
    for i in range(1, len(simplex)):
        if np.allclose(simplex[i], z0):
            simplex[i] = np.clip(z0 - 0.2 * np.eye(len(z0))[i - 1], 0, 1)
    res = optimize.minimize(
        f_unit,
        z0,
        method="Nelder-Mead",
        bounds=[(0.0, 1.0)] * len(z0),
        options={
            "maxfev": max(1, max_evals - 1),
            "initial_simplex": simplex,
            "xatol": 1e-3,
            "fatol": 1e-3,
        },
    )
    best = min(history, key=lambda h: h[1])
    xb = np.array(best[0])
    c, resolved = apply(cfg, params, xb)
    report = compare(simulate(c, reps, executor, address), targets)
    del res
    out = FitResult(
        params=params,
        values=xb,
        start_values=x0,
        objective=objective(report),
        start_objective=f0,
        evaluations=len(history),
        report=report,
        history=history,
    )
    out._resolved = resolved
    return out


def fitted_yaml(result: FitResult) -> str:
    """The fitted values as a YAML config of Hydra overrides (``key: value`` lines)."""
    lines = ["# Fitted by sim.calibration.fit; pass each line as key=value, or use the values."]
    for k, v in result.overrides().items():
        if isinstance(v, list):
            v = "[" + ", ".join(f"{x:.6g}" for x in v) + "]"
        else:
            v = f"{v:.6g}"
        lines.append(f"{k}: {v}")
    return "\n".join(lines) + "\n"


def write_report(result: FitResult, out_dir: Path) -> list[Path]:
    """Write fitted.yaml, fit_report.csv, fit_history.csv and figures/fit.png into ``out_dir``."""
    from sim.io.staging import Staged

    st = Staged(out_dir, figures=True)
    with st as stage:
        (stage / "fitted.yaml").write_text(fitted_yaml(result))
        result.report.to_csv(stage / "fit_report.csv", index=False)
        hist = pd.DataFrame(
            [h[0] + [h[1]] for h in result.history],
            columns=[p.path for p in result.params] + ["objective"],
        )
        hist.to_csv(stage / "fit_history.csv", index_label="evaluation")
        fit_figure(result.report, stage / "figures" / "fit.png")
    return st.files


def fit_figure(report: pd.DataFrame, path: Path) -> None:
    """Simulated / target for every target, with the replicate interval and the ±1 sd band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    r = report.assign(
        name=report["label"] + " " + report["year"].astype(str),
        ratio=report["simulated"] / report["target"],
        lo_r=report["lo"] / report["target"],
        hi_r=report["hi"] / report["target"],
        band=report["sd"] / report["target"].abs(),
    )
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(r) + 1.2))
    y = np.arange(len(r))
    ax.barh(y, 2 * r["band"], left=1 - r["band"], color="0.85", label="target ± 1 sd")
    ax.errorbar(
        r["ratio"],
        y,
        xerr=[r["ratio"] - r["lo_r"], r["hi_r"] - r["ratio"]],
        fmt="o",
        color="C0",
        label="simulated (90% over replicates)",
    )
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks(y, r["name"])
    ax.set_xlabel("simulated / target")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
