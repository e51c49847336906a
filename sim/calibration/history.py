"""History matching with Gaussian-process emulators: a posterior sample instead of a point fit.

This module owns calibration by waves (Vernon, Goldstein and Bower 2010; Andrianakis et al.
2015, "Bayesian history matching of complex infectious disease models using emulation"). Each
wave runs the model at a Latin hypercube (first wave) or a spread of points still "not ruled out
yet" (NROY), fits one Gaussian-process emulator per target to every run so far (scikit-learn:
a constant times an anisotropic squared-exponential kernel plus a white-noise term, which
absorbs the model's run-to-run chance), and rules out a parameter set where, for some target,
|target - emulator mean| / sqrt(emulator variance + target sd^2) exceeds ``cutoff`` (3, Pukelsheim's
three-sigma rule). After the last wave, NROY candidates are weighted by the Gaussian likelihood
of the targets under the last emulators and resampled: the posterior sample, written as one row
per draw. The runs are sweep jobs (``sim.io.sweep``), so they run on any executor, are
written as Parquet and resume. Why not ABC-SMC: each run of England costs 10-30 s, and
ABC-SMC needs thousands of runs per fit; history matching needs tens to hundreds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.fit import FitParam
from sim.config import RunConfig
from sim.io.sweep import Job, read, sweep

KEY = ["year", "area_type", "area", "indicator"]
CUTOFF = 3.0  # implausibility above which a parameter set is ruled out (three-sigma rule)


def keys(params: list[FitParam]) -> list[str]:
    """Each parameter's sweep key: the path, with ``*`` for a multiplier on a list."""
    return [p.path + ("*" if p.scale else "") for p in params]


def to_unit(params: list[FitParam], X: np.ndarray) -> np.ndarray:
    """Parameter values scaled to [0, 1] by their bounds."""
    lo = np.array([p.lower for p in params])
    hi = np.array([p.upper for p in params])
    return (X - lo) / (hi - lo)


def from_unit(params: list[FitParam], U: np.ndarray) -> np.ndarray:
    """[0, 1] points scaled to the parameters' bounds."""
    lo = np.array([p.lower for p in params])
    hi = np.array([p.upper for p in params])
    return lo + U * (hi - lo)


def run_design(
    cfg: RunConfig,
    params: list[FitParam],
    X: np.ndarray,
    targets: pd.DataFrame,
    out: Path,
    reps: int = 1,
    executor: str | None = None,
    address: str | None = None,
    first_rep: int = 0,
) -> np.ndarray:
    """The model's value of each target at each design row (mean over ``reps`` replicates).

    Row i's replicates are ``first_rep + i * reps ...``: every run has its own chance.

    The runs are a sweep in ``out`` (resumable). Returns an (n rows, m targets) array, NaN
    where a run failed or lacks the indicator.
    """
    names = keys(params)
    # Each run has replicate numbers of its own (first_rep + its job number): the emulators'
    # noise term must see the model's chance, all of it. One replicate shared by every run
    # (common random numbers) would hide the chance between replicates (in the tiny world,
    # starts 44 with one seed and 76 with another at the same values) and bias the posterior.
    jobs = [
        Job(
            i * reps + r,
            "fit",
            first_rep + i * reps + r,
            tuple(zip(names, map(float, row), strict=True)),
        )
        for i, row in enumerate(X)
        for r in range(reps)
    ]
    sweep({"fit": cfg}, jobs, out, executor, cfg.workers, address)
    ind = read(out)
    ind["row"] = ind["job"] // reps
    t = targets[KEY].assign(target=np.arange(len(targets)))
    got = ind.merge(t, on=KEY)
    wide = got.groupby(["row", "target"])["value"].mean().unstack("target")
    return wide.reindex(index=range(len(X)), columns=range(len(targets))).to_numpy()


@dataclass
class Emulator:
    """One Gaussian process per target, on inputs in [0, 1] (outputs standardised here)."""

    models: list
    centre: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, U: np.ndarray, Y: np.ndarray, seed: int = 0) -> Emulator:
        """Fit to runs ``U`` (n, k) in [0, 1] and their targets' values ``Y`` (n, m)."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        k = U.shape[1]
        centre = np.nanmean(Y, axis=0)
        scale = np.nanstd(Y, axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        models = []
        for j in range(Y.shape[1]):
            ok = np.isfinite(Y[:, j])
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
                np.full(k, 0.5), (0.05, 20.0)
            ) + WhiteKernel(0.05, (1e-6, 1.0))
            gp = GaussianProcessRegressor(kernel, n_restarts_optimizer=2, random_state=seed)
            with warnings.catch_warnings():  # a length scale at its bound is not a failure
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(U[ok], (Y[ok, j] - centre[j]) / scale[j])
            models.append(gp)
        return cls(models, centre, scale)

    def predict(self, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance (n, m) of each target at ``U``, the model's chance included."""
        means, variances = [], []
        for j, gp in enumerate(self.models):
            m, s = gp.predict(U, return_std=True)
            means.append(self.centre[j] + self.scale[j] * m)
            variances.append((self.scale[j] * s) ** 2)
        return np.column_stack(means), np.column_stack(variances)

    def noise(self) -> np.ndarray:
        """Each target's variance from the model's chance (the white-noise term), (m,)."""
        return np.array(
            [gp.kernel_.k2.noise_level * self.scale[j] ** 2 for j, gp in enumerate(self.models)]
        )


def implausibility(em: Emulator, U: np.ndarray, z: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Each target's implausibility at ``U`` (n, m): |z - mean| / sqrt(var + sd^2)."""
    mean, var = em.predict(U)
    return np.abs(z - mean) / np.sqrt(var + sd**2)


@dataclass
class HistoryMatch:
    """What the waves found."""

    params: list[FitParam]
    waves: pd.DataFrame  # one row per wave: runs, NROY share, best implausibility
    runs: pd.DataFrame  # every run: wave, parameter values, each target's value
    posterior: pd.DataFrame  # one row per draw: a column per parameter key
    emulators: list[Emulator] = field(default_factory=list)


def nroy(
    emulators: list[Emulator], U: np.ndarray, z: np.ndarray, sd: np.ndarray, cutoff: float
) -> np.ndarray:
    """Which of ``U`` no wave's emulators rule out (max implausibility over targets <= cutoff)."""
    keep = np.ones(len(U), dtype=bool)
    for em in emulators:
        idx = np.flatnonzero(keep)
        if len(idx) == 0:
            break
        keep[idx] = implausibility(em, U[idx], z, sd).max(axis=1) <= cutoff
    return keep


def history_match(
    cfg: RunConfig,
    params: list[FitParam],
    targets: pd.DataFrame,
    out: Path,
    waves: int = 3,
    runs_per_wave: int = 40,
    reps: int = 1,
    draws: int = 200,
    cutoff: float = CUTOFF,
    candidates: int = 20_000,
    seed: int = 0,
    executor: str | None = None,
    address: str | None = None,
    log=None,
    simulate=None,
    chance_reps: int = 8,
) -> HistoryMatch:
    """History-match ``params`` of ``cfg`` to ``targets``; a posterior sample of ``draws``.

    ``simulate(X, wave)``, if given, stands for the model: the targets' values (n, m) at
    parameter values ``X`` (n, k) (tests use known functions); by default the model runs
    (``run_design``) into ``out/wave_<n>``. ``chance_reps`` replicates at the survivors'
    centre estimate how the model's chance moves the targets together (``out/chance``).

    Raises:
        ValueError: no candidate survives a wave (the model cannot reach the targets within
            the bounds: the report of the best run shows which target).
    """
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    z = targets["value"].to_numpy(float)
    sd = targets["sd"].to_numpy(float)
    k = len(params)
    U = qmc.LatinHypercube(d=k, seed=seed).random(runs_per_wave)
    all_U, all_Y, rows, emulators = [], [], [], []
    pool = None
    for w in range(1, waves + 1):
        if simulate is not None:
            Y = np.asarray(simulate(from_unit(params, U), w), dtype=float)
        else:
            Y = run_design(
                cfg, params, from_unit(params, U), targets, out / f"wave_{w}", reps, executor,
                address, first_rep=100_000 * w,
            )  # fmt: skip
        all_U.append(U)
        all_Y.append(Y)
        Ua, Ya = np.vstack(all_U), np.vstack(all_Y)
        em = Emulator.fit(Ua, Ya, seed)
        emulators.append(em)
        pool = rng.random((candidates, k))
        keep = nroy(emulators, pool, z, sd, cutoff)
        run_imp = np.nanmax(np.abs(Y - z) / sd, axis=1)
        rows.append(
            {
                "wave": w,
                "runs": len(U),
                "nroy_share": float(keep.mean()),
                "best_run_max_sd_off": float(np.nanmin(run_imp)),
            }
        )
        if log is not None:
            log(
                f"wave {w}: {len(U)} runs, NROY {100 * keep.mean():.2f}% of the box, best run "
                f"{np.nanmin(run_imp):.2f} sd off at its worst target"
            )
        if not keep.any():
            worst = targets["label"].iloc[int(np.nanargmax(np.abs(Y - z)[np.nanargmin(run_imp)]))]
            raise ValueError(
                f"history matching: wave {w} rules out every parameter set within the bounds "
                f"(the closest run is furthest from '{worst}'); widen the bounds or the targets' sd"
            )
        survivors = pool[keep]
        if w < waves:
            pick = rng.choice(len(survivors), min(runs_per_wave, len(survivors)), replace=False)
            U = survivors[pick]
    # The posterior: NROY candidates weighted by the likelihood of the targets. The model's
    # chance moves the targets together (CLA in successive years shares most children), so
    # it enters as a covariance, estimated from replicates at the survivors' centre (shrunk
    # towards its diagonal, Ledoit and Wolf 2004); treating the targets as independent made
    # the posterior too sure (simulation-based calibration: 70% coverage of 90% intervals).
    centre = survivors.mean(axis=0, keepdims=True)
    if simulate is not None:
        Yc = np.asarray(simulate(from_unit(params, np.repeat(centre, chance_reps, 0)), 0), float)
    else:
        Yc = run_design(
            cfg, params, from_unit(params, np.repeat(centre, chance_reps, 0)), targets,
            out / "chance", 1, executor, address, first_rep=900_000,
        )  # fmt: skip
    em = emulators[-1]
    mean, var = em.predict(survivors)
    loglik = log_likelihood(z, sd, mean, np.clip(var - em.noise(), 0.0, None), chance_cov(Yc))
    wts = np.exp(loglik - loglik.max())
    idx = rng.choice(len(survivors), draws, replace=True, p=wts / wts.sum())
    post = pd.DataFrame(from_unit(params, survivors[idx]), columns=keys(params))
    runs = pd.DataFrame(from_unit(params, np.vstack(all_U)), columns=keys(params))
    runs.insert(0, "wave", np.concatenate([np.full(len(u), i + 1) for i, u in enumerate(all_U)]))
    for j, label in enumerate(targets["label"]):
        runs[f"{label} ({targets['year'].iloc[j]})"] = np.vstack(all_Y)[:, j]
    return HistoryMatch(params, pd.DataFrame(rows), runs, post, emulators)


def chance_cov(Yc: np.ndarray) -> np.ndarray:
    """The targets' covariance from the model's chance: replicates ``Yc`` (r, m) at one point.

    Ledoit-Wolf shrinkage of the correlation towards the identity (few replicates, many
    targets), scaled back by each target's variance.
    """
    from sklearn.covariance import LedoitWolf

    sdv = Yc.std(axis=0, ddof=1)
    ok = sdv > 0
    cov = np.diag(np.where(ok, sdv, 0.0) ** 2)
    if ok.sum() > 1 and len(Yc) > 2:
        Z = (Yc[:, ok] - Yc[:, ok].mean(axis=0)) / sdv[ok]
        corr = LedoitWolf().fit(Z).covariance_
        d = np.sqrt(np.diag(corr))
        corr = corr / np.outer(d, d)
        cov[np.ix_(ok, ok)] = corr * np.outer(sdv[ok], sdv[ok])
    return cov


def log_likelihood(
    z: np.ndarray, sd: np.ndarray, mean: np.ndarray, em_var: np.ndarray, chance: np.ndarray
) -> np.ndarray:
    """Gaussian log likelihood of targets ``z`` at each candidate (n,).

    Covariance: the model's chance (``chance``, m x m) plus, on the diagonal, the emulator's
    own uncertainty (``em_var``, n x m, chance excluded) and each target's sd^2 (observation
    error and the model's discrepancy).
    """
    n, m = mean.shape
    sigma = np.broadcast_to(chance, (n, m, m)).copy()
    idx = np.arange(m)
    sigma[:, idx, idx] += em_var + sd**2
    chol = np.linalg.cholesky(sigma)
    r = (z - mean)[:, :, None]
    sol = np.linalg.solve(chol, r)[:, :, 0]
    logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    return -0.5 * (np.sum(sol**2, axis=1) + logdet)


def posterior_predictive(
    cfg: RunConfig,
    posterior: pd.DataFrame,
    targets: pd.DataFrame,
    out: Path,
    draws: int = 20,
    level: float = 0.90,
    executor: str | None = None,
    address: str | None = None,
) -> pd.DataFrame:
    """Each target with the model's ``level`` interval over ``draws`` posterior draws.

    Draw d runs with replicate d (its own chance as well as its own parameters); a posterior
    with no columns gives the config's own values, chance only. Returns the targets with
    ``pp_mean``, ``pp_lo``, ``pp_hi`` and ``covered``.
    """
    names = list(posterior.columns)
    jobs = [
        Job(d, "fit", d, tuple((n, float(posterior[n].iloc[d])) for n in names))
        for d in range(min(draws, len(posterior)))
    ]
    sweep({"fit": cfg}, jobs, out, executor, cfg.workers, address)
    ind = read(out).merge(targets[[*KEY, "value"]].rename(columns={"value": "target"}), on=KEY)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    g = ind.groupby(KEY)["value"]
    stats = g.agg(
        pp_mean="mean", pp_lo=lambda v: v.quantile(lo_q), pp_hi=lambda v: v.quantile(hi_q)
    ).reset_index()
    rep = targets.merge(stats, on=KEY, how="left")
    rep["covered"] = (rep["pp_lo"] <= rep["value"]) & (rep["value"] <= rep["pp_hi"])
    return rep


def posterior_figure(hm: HistoryMatch, path: Path) -> Path:
    """Each parameter's posterior (histogram) within its bounds, the waves' runs as ticks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(hm.posterior.columns)
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    for ax, p, name in zip(axes[0], hm.params, names, strict=True):
        ax.hist(hm.posterior[name], bins=20, range=(p.lower, p.upper), color="#0072B2")
        ax.plot(hm.runs[name], np.zeros(len(hm.runs)), "|", color="#E69F00", markersize=8)
        ax.set_xlim(p.lower, p.upper)
        words = name.rstrip("*").split(".", 1)[-1].replace("_", " ").replace(".", ": ")
        ax.set_title(words + (" (x)" if name.endswith("*") else ""), fontsize=8)
        ax.set_yticks([])
    fig.suptitle("Posterior draws (blue) and the runs of every wave (orange ticks)", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def with_discrepancy(report: pd.DataFrame, level: float = 0.90) -> pd.DataFrame:
    """Add each target's interval for an observation: the model's and the target's sd.

    The posterior predictive interval (``pp_lo``-``pp_hi``) is the model's own output; an
    observation also differs from the model by what the target's sd stands for (observation
    error and the model's discrepancy, Kennedy and O'Hagan 2001). Normal approximation: the
    interval's half-width is z * sqrt(model variance + sd^2), the model's variance from its
    interval. Adds ``obs_lo``, ``obs_hi`` and ``covered_obs``.
    """
    from scipy.stats import norm

    zq = float(norm.ppf((1 + level) / 2))
    model_sd = (report["pp_hi"] - report["pp_lo"]) / (2 * zq)
    half = zq * np.sqrt(model_sd**2 + report["sd"] ** 2)
    out = report.assign(obs_lo=report["pp_mean"] - half, obs_hi=report["pp_mean"] + half)
    out["covered_obs"] = (out["obs_lo"] <= out["value"]) & (out["value"] <= out["obs_hi"])
    return out


def with_held_out_discrepancy(report: pd.DataFrame, level: float = 0.90) -> pd.DataFrame:
    """Add each target's interval with the series' discrepancy estimated from its other years.

    The model's discrepancy (Kennedy and O'Hagan 2001; Brynjarsdottir and O'Hagan 2014) is
    what separates the best parameter values' output from the world. It is estimated for each
    target series (one indicator over the years) from the series' other years, never the year
    it is used for (leave one year out): the mean squared gap between the observation and the
    posterior predictive mean, less the model's own variance, floored at 0. The interval for
    the held-out year is the posterior predictive mean +- z * sqrt(model variance +
    discrepancy variance), the model's variance from its interval (normal approximation).
    Unlike ``with_discrepancy``'s, whose sd are the targets' tolerance bands (so wide that
    every target is covered), a series the model misses in the same direction every year
    stays missed when the gap grows (homes in 2025). Adds ``disc_sd``, ``held_lo``,
    ``held_hi`` and ``covered_held``.
    """
    from scipy.stats import norm

    zq = float(norm.ppf((1 + level) / 2))
    model_var = ((report["pp_hi"] - report["pp_lo"]) / (2 * zq)) ** 2
    gap2 = (report["value"] - report["pp_mean"]) ** 2
    disc = np.full(len(report), np.nan)
    for _, idx in report.groupby("indicator", sort=False).groups.items():
        pos = report.index.get_indexer(idx)
        for i in pos:
            others = pos[pos != i]
            if len(others) == 0:
                continue
            excess = gap2.iloc[others].mean() - model_var.iloc[others].mean()
            disc[i] = np.sqrt(max(0.0, float(excess)))
    half = zq * np.sqrt(model_var + np.nan_to_num(disc) ** 2)
    out = report.assign(
        disc_sd=disc, held_lo=report["pp_mean"] - half, held_hi=report["pp_mean"] + half
    )
    out["covered_held"] = (out["held_lo"] <= out["value"]) & (out["value"] <= out["held_hi"])
    out.loc[np.isnan(disc), "covered_held"] = False
    return out
