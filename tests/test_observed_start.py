"""Starting a world from an observed extract: the stock, its history, its errors."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError, RunConfig, WorldConfig, WorldName
from sim.io import embedded
from sim.io import ssda903 as io903
from sim.io.cli import UserError, validate
from sim.io.outputs import world_data
from sim.io.read903 import read_extract
from sim.metrics import indicators
from sim.model import PlacementModel
from tests.conftest import run_tiny

LAS = ["E08000002", "E08000009", "E08000007"]


@pytest.fixture(scope="module")
def extract_dir(tmp_path_factory):
    """Synthetic 'observed' returns 2026-2028 made by a tiny run (no real data)."""
    m = run_tiny(years=3)
    d = tmp_path_factory.mktemp("observed")
    io903.write_returns(io903.episodes_frame(m), io903.header_frame(m), [2026, 2027, 2028], d)
    return d


def observed_config(path, **kw) -> RunConfig:
    world = WorldConfig(name=WorldName.tiny, las=LAS, observed=str(path))
    return RunConfig(world=world, **{"years": 1, "start_date": "2027-03-31", **kw})


@pytest.fixture(scope="module")
def started(extract_dir):
    geo = embedded.england()
    m = PlacementModel(observed_config(extract_dir), geo, world_data(observed_config(extract_dir)))
    stock = m.stock.copy()
    m.run()
    return m, read_extract(extract_dir, geo), geo, stock


def test_stock_is_the_observed_stock(started):
    m, ex, geo, stock = started
    date = pd.Timestamp(2027, 3, 31)
    ep = ex.episodes
    cla = ep[(ep["DECOM"] <= date) & (ep["DEC"].isna() | (ep["DEC"] > date))]
    by_la = cla.drop_duplicates("CHILD").groupby("LA").size()
    for la in m.sim_las:
        assert stock[la] == by_la[geo.code[la]]
    # Dates of birth and UASC flags are the observed ones.
    hd = io903.header_frame(m)
    hd = hd[hd["CHILD"] < len(cla["CHILD"].unique()) + 1]  # the first children are the stock
    obs = ex.header.set_index("CHILD").loc[cla["CHILD"].unique()]
    assert sorted(hd["DOB"]) == sorted(obs["DOB"])
    assert hd["UASC"].sum() == obs["UASC"].sum()
    assert m.origin.isoformat() == "2027-03-31"


def test_start_year_indicators_match_the_observed(started):
    """At the start date the run's own episodes give the observed stock and its history."""
    m, ex, geo, _ = started
    ep, hd = io903.episodes_frame(m), io903.header_frame(m)
    sim = indicators(ep, hd, [2027], geo)
    obs = indicators(ex.episodes, ex.header, [2027], geo)

    def val(ind, name):
        r = ind[(ind["area_type"] == "england") & (ind["indicator"] == name)]
        return float(r["value"].iloc[0])

    assert val(sim, "cla") == val(obs, "cla")
    # Periods of care and placement spells are dated as observed: long-term stability is
    # reproduced exactly; 3+ placements in the year too (earlier episodes are written).
    assert val(sim, "long_term_stability") == pytest.approx(val(obs, "long_term_stability"))
    assert val(sim, "cla_3plus_placements") == val(obs, "cla_3plus_placements")
    # The unit is found by matching: the placement mix may differ a little (3 points).
    assert abs(val(sim, "share_place_foster") - val(obs, "share_place_foster")) < 0.03
    # Children in settings outside the care market stay in the setting observed.
    for name in ("cla_place_other_residential", "cla_place_residential_school"):
        assert val(sim, name) == val(obs, name), name
    assert val(obs, "cla_place_other_residential") + val(obs, "cla_place_residential_school") > 0


def test_observed_start_runs_and_is_reproducible(extract_dir):
    geo = embedded.england()
    runs = []
    for _ in range(2):
        m = PlacementModel(
            observed_config(extract_dir), geo, world_data(observed_config(extract_dir))
        )
        m.run()
        runs.append(io903.episodes_frame(m))
    pd.testing.assert_frame_equal(runs[0], runs[1])
    ep = runs[0]
    assert ep["DECOM"].max() <= pd.Timestamp(2028, 3, 31)
    assert (ep["DEC"].dropna() <= pd.Timestamp(2028, 3, 31)).all()
    assert (ep["DECOM"] > pd.Timestamp(2027, 3, 31)).any()


def test_observed_entry_rates_follow_the_extract(extract_dir):
    geo = embedded.england()
    on = PlacementModel(observed_config(extract_dir), geo, world_data(observed_config(extract_dir)))
    cfg = observed_config(extract_dir)
    off_cfg = dataclasses.replace(
        cfg, world=dataclasses.replace(cfg.world, observed_entry_rates=False)
    )
    off = PlacementModel(off_cfg, geo, world_data(off_cfg))
    ex = read_extract(extract_dir, geo)
    s = ex.episodes[(ex.episodes["RNE"] == "S")]
    s = s[(s["DECOM"] > pd.Timestamp(2026, 3, 31)) & (s["DECOM"] <= pd.Timestamp(2027, 3, 31))]
    n = s.drop_duplicates("CHILD").groupby("LA").size()
    emb = geo.las.set_index("ons_code")["starts_2025"]
    for la in on.sim_las:
        code = geo.code[la]
        ratio = on.entry_rate_per_day[la] / off.entry_rate_per_day[la]
        assert ratio == pytest.approx(n[code] / emb[code])
    assert not np.allclose(on.entry_rate_per_day, off.entry_rate_per_day)


def test_bad_observed_starts_are_refused(extract_dir):
    with pytest.raises(ConfigError, match="expected a 31 March"):
        observed_config(extract_dir, start_date="2027-04-01")
    with pytest.raises(ConfigError, match="needs world.observed"):
        RunConfig(start_date="2026-03-31")
    geo = embedded.england()
    with pytest.raises(ConfigError, match="outside the extract"):
        c2 = observed_config(extract_dir, start_date="2030-03-31")
        PlacementModel(c2, geo, world_data(c2))
    cfg = observed_config(extract_dir)
    other = dataclasses.replace(cfg, world=dataclasses.replace(cfg.world, las=["E08000003"]))
    with pytest.raises(ConfigError, match="no episodes up to 2027-03-31 for E08000003"):
        PlacementModel(other, geo, world_data(other))
    with pytest.raises(UserError, match="no such file"):
        validate(
            ["world=tiny", "world.scale=1.0", "world.observed=/no/such", "start_date=2027-03-31"]
        )


def test_residual_stay_conditions_the_entry_mixture_on_time_in_care():
    """Band 10-15 at entry: p_short 0.30, short mean 120 days, long mean 15 years (defaults).

    After 0 days the short-stay weight is 0.30; after 365 days it is
    0.3 e^(-365/120) / (0.3 e^(-365/120) + 0.7 e^(-365/5478.75)) = 0.0214 (worked by hand).
    """
    import datetime as dt
    from types import SimpleNamespace

    from sim.config import Params
    from sim.population.children import N_UNIFORMS, U_LS_DAYS, U_TEMP
    from sim.world.observed import residual_stay

    model = SimpleNamespace(p=Params(), la_exit_factor=[1.0], origin=dt.date(2025, 3, 31))

    def child(u_temp: float, days: int, means: float = 0.1):
        u = np.full(N_UNIFORMS, 0.5)
        u[U_TEMP], u[U_LS_DAYS] = u_temp, np.exp(-means)  # -ln(u): stay in mean stays
        dob = -int(12 * 365.25)
        c = SimpleNamespace(u=u, la=0, uasc=False, dob=dob)
        c.age_years = lambda day: (day - dob) / 365.25
        residual_stay(model, c, days)
        return c

    assert child(0.29, 0).exit_route == "short" and child(0.29, 0).exit_day == 12
    assert child(0.31, 0).exit_route == "older_long"
    assert child(0.020, 365).exit_route == "short"
    assert child(0.023, 365).exit_route == "older_long"
    # A long stay of one mean (15 years) from age 12 is cut at the 18th birthday.
    assert child(0.5, 365, means=1.0).exit_route == "at18"
    assert child(0.31, 0).exit_day == int(0.1 * 15 * 365.25)
