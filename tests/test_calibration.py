"""Calibration: parameters made into synthetic data are recovered; the report is right."""

import numpy as np
import pandas as pd
import pytest

from sim.calibration.fit import (
    FitParam,
    apply,
    compare,
    fit,
    fitted_yaml,
    national_targets,
    objective,
    observed_targets,
    simulate,
)
from sim.config import ConfigError
from tests.conftest import tiny_config

PARAMS = [
    FitParam("params.entry.rate_multiplier", 0.5, 2.5),
    FitParam("params.placements.unplanned_rate", 0.4, 2.5, scale=True),
]
TRUE = np.array([1.5, 1.4])


def test_apply_sets_values_and_scales_lists():
    cfg = tiny_config()
    c, resolved = apply(cfg, PARAMS, np.array([1.2, 2.0]))
    assert c.params.entry.rate_multiplier == 1.2
    base = cfg.params.placements.unplanned_rate
    assert c.params.placements.unplanned_rate == pytest.approx([2 * b for b in base])
    assert cfg.params.entry.rate_multiplier == 1.0  # the original is untouched
    assert "params.entry.rate_multiplier: 1.2" in fitted_yaml_of(resolved)
    with pytest.raises(ConfigError, match="unknown key"):
        apply(cfg, [FitParam("params.entry.nope", 0, 1)], np.array([0.5]))
    with pytest.raises(ConfigError, match="is not a list"):
        apply(cfg, [FitParam("params.entry.rate_multiplier", 0, 1, scale=True)], np.array([1.0]))
    with pytest.raises(ConfigError, match="rate_multiplier"):
        apply(cfg, [FitParam("params.entry.rate_multiplier", -1, 1)], np.array([-1.0]))


def fitted_yaml_of(resolved: dict) -> str:
    class R:
        def overrides(self):
            return resolved

    return fitted_yaml(R())


def test_compare_and_objective_by_hand():
    targets = pd.DataFrame(
        {
            "year": [2026, 2026],
            "area_type": "england",
            "area": "England",
            "indicator": ["cla", "starts"],
            "value": [100.0, 50.0],
            "sd": [10.0, 5.0],
            "label": ["CLA", "Starts"],
        }
    )
    ind = pd.DataFrame(
        {
            "year": 2026,
            "area_type": "england",
            "area": "England",
            "indicator": ["cla", "starts", "cla", "starts"],
            "value": [110.0, 50.0, 130.0, 40.0],
            "rep": [0, 0, 1, 1],
        }
    )
    r = compare(ind, targets).set_index("indicator")
    assert r.loc["cla", "simulated"] == 120.0 and r.loc["cla", "residual"] == 2.0
    assert r.loc["starts", "residual"] == -1.0
    assert objective(r) == 5.0
    # A target the run does not produce counts as 100 sd off.
    missing = compare(ind[ind["indicator"] == "cla"], targets)
    assert objective(missing) == 4.0 + 100.0**2


def test_national_targets_are_the_baseline_targets():
    t = national_targets().set_index("indicator")
    assert t.loc["cla", "value"] == 81770 and t.loc["cla", "sd"] == pytest.approx(0.05 * 81770)
    assert t.loc["share_place_foster", "value"] == pytest.approx(0.67)
    assert t.loc["share_place_foster", "sd"] == pytest.approx(0.03)


def test_dynamics_targets_are_dfes_series_with_their_bands():
    from sim.calibration.fit import dynamics_fit_targets
    from sim.calibration.targets import dynamics_check

    t = dynamics_fit_targets().set_index(["year", "indicator"])
    assert t.loc[(2022, "cla"), "value"] == 82090
    assert t.loc[(2022, "cla"), "sd"] == pytest.approx(0.04 * 82090)
    assert t.loc[(2024, "ceased"), "value"] == 33780
    assert t.loc[(2024, "ceased"), "sd"] == pytest.approx(0.08 * 33780)
    assert t.loc[(2023, "share_place_homes_secure"), "value"] == pytest.approx(
        8020 / 83750, abs=1e-5
    )
    assert t.loc[(2023, "share_place_homes_secure"), "sd"] == pytest.approx(0.015)
    # Supply against Ofsted's series: mainstream homes and fostering households, within 10%.
    assert t.loc[(2024, "childrens_homes"), "value"] == 3431
    assert t.loc[(2024, "childrens_homes"), "sd"] == pytest.approx(343.1)
    assert t.loc[(2022, "foster_households"), "value"] == 36050
    assert len(t) == 28
    # a run's indicators against them: only the years it simulated, in or out of the band
    ind = pd.DataFrame(
        {
            "year": [2022, 2022, 2026],
            "area_type": "england",
            "area": "England",
            "indicator": ["cla", "starts", "cla"],
            "value": [82090 * 0.95, 31100.0, 1.0],
        }
    )
    chk = dynamics_check(ind).set_index("indicator")
    assert set(chk["year"]) == {2022}
    assert not chk.loc["cla", "within"] and chk.loc["starts", "within"]


def test_the_backcast_figure_is_drawn_from_the_check(tmp_path):
    from sim.calibration.targets import dynamics_check
    from sim.plots import dynamics_figure

    rows = [
        (y, "england", "England", name, value)
        for y in (2022, 2023)
        for name, value in (("cla", 80000.0), ("share_place_foster", 0.68))
    ]
    ind = pd.DataFrame(rows, columns=["year", "area_type", "area", "indicator", "value"])
    chk = dynamics_check(ind)
    assert len(chk) == 14  # seven measures a year; those the run lacks are NaN, not within
    assert chk["simulated"].isna().sum() == 10
    assert not chk["within"][chk["simulated"].isna()].any()
    dynamics_figure(chk, tmp_path / "backcast.png")
    assert (tmp_path / "backcast.png").stat().st_size > 10_000


def test_calibration_recovers_known_parameters():
    """Synthetic data made with rate x1.5 and breakdowns x1.4 give back both values.

    The data and the fit share their seeds (common random numbers), so the objective is zero
    at the true values: recovery within 5% (entries) and 10% (breakdowns, fewer events)
    tests the fitting itself. Different seeds add replicate noise (about 7% on two years of
    the tiny world's entries); the notes report that case. The share with 3+ placements is a
    target with the counts: children whose placements break down wait long in unregistered
    settings (``accept_unregistered_factor``), so in the tiny world placement changes alone
    hardly tell x1.4 from x1.55. Three years, not two: with settings outside the care market
    (session 23) two years' targets hardly told x1.4 from x1.58 either (the fit stopped there,
    objective 0.03 of 75, after 30 or 60 runs); three years give 1.37 and 1.50.
    """
    truth, _ = apply(tiny_config(years=3), PARAMS, TRUE)
    ind = simulate(truth, 2)
    mean = ind.groupby(["year", "area_type", "area", "indicator"], as_index=False)["value"].mean()
    names = ("cla", "starts", "ceased", "placement_changes", "share_3plus_placements")
    targets = observed_targets(mean, [2026, 2027, 2028], names=names)
    res = fit(tiny_config(years=3), PARAMS, targets, reps=2, max_evals=30)
    assert res.objective < 0.1 * res.start_objective
    assert res.values[0] == pytest.approx(TRUE[0], rel=0.05)
    assert res.values[1] == pytest.approx(TRUE[1], rel=0.10)
    assert res.report["within_sd"].all()
