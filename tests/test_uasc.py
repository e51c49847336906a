"""Unaccompanied children where they arrive, and the National Transfer Scheme's transfers.

Hand-worked: the split of starts into arrivals and transfers, and the scheme's referral rules
on a small table of councils. Against DfE's figures (``sim/data/las.csv``, DfE 2025 LA
tables): Kent's starts and ceased in a year of the South East world. Invariants of the
records: a transfer ends the first council's episode with REC E3 and the child starts again
(RNE S) in the receiving council on the same day, as a child of its own.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.config import PolicyConfig, RunConfig, WorldConfig, WorldName
from sim.config.params import EntryParams
from sim.io import embedded
from sim.io.outputs import world_data
from sim.io.ssda903 import episodes_frame, header_frame
from sim.model import PlacementModel
from sim.population import table, transfers
from sim.world import uasc


def _las() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "la_name": ["Kent", "A", "B"],
            "region": ["South East", "South East", "North West"],
            "starts_2025": [1000.0, 300.0, 700.0],
            "pop_0_17": [300.0, 100.0, 200.0],
        }
    )


def test_uasc_starts_are_arrivals_and_transfers_counted_twice():
    ep = EntryParams(uasc_share=0.2, uasc_port_share=[0.5] * 4, nts_referral_share=[0.8] * 4)
    s = uasc.entry_split(_las(), np.ones(3, bool), ep)
    u = 0.2 * 2000  # England's UASC starts
    a = u / (1 + 0.8 * 0.5)  # arrivals: U = A + f w A
    assert s.port[0] == pytest.approx(0.5 * a)
    assert s.port[1:].sum() == 0
    # The other councils take the rest of the arrivals and all the transfers, by population.
    assert s.presenting[1] == pytest.approx(0.5 * a * 100 / 300)
    assert s.transfers_out[0] == pytest.approx(0.8 * 0.5 * a)
    received = 0.8 * 0.5 * a * np.array([0, 100, 200]) / 300
    # Every start is a non-UASC start, an arrival or a transfer in.
    total = s.non_uasc + s.port + s.presenting + received
    np.testing.assert_allclose(total, _las()["starts_2025"])
    assert s.transfers_in.sum() == 0  # the port is in the world: its transfers are made


def test_a_world_without_the_port_receives_its_transfers_as_arrivals():
    ep = EntryParams(uasc_share=0.2, uasc_port_share=[0.5] * 4, nts_referral_share=[0.8] * 4)
    s = uasc.entry_split(_las(), np.array([False, False, True]), ep)
    a = 400 / 1.4
    assert s.transfers_in[2] == pytest.approx(0.8 * 0.5 * a * 200 / 300)
    assert s.port.sum() == 0 and s.non_uasc[:2].sum() == 0  # councils outside: nothing


def test_a_council_that_is_no_council_is_refused():
    with pytest.raises(Exception, match="uasc_port_la='Atlantis' is not a council"):
        uasc.port_index(_las(), EntryParams(uasc_port_la="Atlantis"))


def _nts(is_sim=(True, True, True, True)) -> transfers.Nts:
    # Councils 0, 1 in region 0 (60% of children), 2, 3 in region 1.
    return transfers.Nts(
        quota=np.array([10.0, 10.0, 10.0, 10.0]),
        is_sim=np.array(is_sim),
        region=np.array([0, 0, 1, 1]),
        region_cum=np.array([0.6, 1.0]),
        region_sim_share=np.array([1.0, 1.0]),
        due=np.zeros(4),
    )


def test_only_a_council_at_its_quota_refers_its_arrivals():
    stock = np.array([9.0, 0.0, 0.0, 0.0])
    assert transfers.refer(_nts(), stock, 0, 0.1, 0.9, 0.8, False) == transfers.NO_TRANSFER
    stock[0] = 10.0
    assert transfers.refer(_nts(), stock, 0, 0.85, 0.9, 0.8, False) == transfers.NO_TRANSFER
    nts = _nts()
    # Referred (0.1 < 0.8); u = 0.9 falls in region 1's turn; council 3 has most room.
    stock[2] = 4.0
    assert transfers.refer(nts, stock, 0, 0.1, 0.9, 0.8, False) == 3
    assert nts.due[3] == 1  # the room is taken at once
    # Room counts the children due: council 2 (4 + 0 due) now beats 3 (0 + 7 due).
    nts.due[3] = 7
    assert transfers.refer(nts, stock, 0, 0.1, 0.9, 0.8, False) == 2


def test_the_rota_region_outside_the_world_takes_the_child_out():
    nts = _nts()._replace(region_sim_share=np.array([1.0, 0.25]))
    stock = np.array([10.0, 0.0, 0.0, 0.0])
    # In region 1's turn (u from 0.6 to 1), the top three quarters of it go outside.
    assert transfers.destination(nts, stock, 0, 0.95, False) == transfers.OUTSIDE
    assert transfers.destination(nts, stock, 0, 0.65, False) == 2


def test_a_regional_plan_keeps_the_child_in_its_region_while_there_is_room():
    stock = np.array([10.0, 3.0, 0.0, 0.0])
    assert transfers.destination(_nts(), stock, 0, 0.9, True) == 1
    stock[1] = 10.0  # no room left in the region: the national rota
    assert transfers.destination(_nts(), stock, 0, 0.9, True) == 2  # tie: the first


def test_referral_share_and_port_share_follow_the_year():
    ep = EntryParams()
    assert uasc.referral_share(ep, 2022) == ep.nts_referral_share[0]
    assert uasc.referral_share(ep, 2021) == ep.nts_referral_share[0]
    assert uasc.referral_share(ep, 2030) == ep.nts_referral_share[-1]
    np.testing.assert_allclose(uasc.uasc_factors(ep, 2025, 7.0, 7.0), 1.0)
    # A year with the same UASC starts but fewer transfers has more arrivals.
    f = uasc.uasc_factors(ep, 2022, 7.0, 7.0)
    w0, f0 = ep.uasc_port_share[0], ep.nts_referral_share[0]
    w1, f1 = ep.uasc_port_share[-1], ep.nts_referral_share[-1]
    assert f[0] == pytest.approx(w0 / (1 + f0 * w0) / (w1 / (1 + f1 * w1)))
    assert f[2] < 1.0


@pytest.fixture(scope="module")
def south_east():
    cfg = RunConfig(world=WorldConfig(name=WorldName.south_east), years=1, seed=3)
    m = PlacementModel(cfg, embedded.england(), world_data())
    m.run()
    return m


def test_kent_starts_and_ceased_are_dfes(south_east):
    """Kent's first simulated year against DfE 2024-25 (3,226 starts, 3,311 ceased), 12%."""
    m = south_east
    ep = episodes_frame(m)
    kent = m.geo.las.loc[m.geo.las["la_name"] == "Kent", "ons_code"].item()
    e = ep[ep["LA"] == kent]
    year = ("2025-04-01", "2026-03-31")
    starts = ((e["RNE"] == "S") & e["DECOM"].between(*year)).sum()
    ended = e["DEC"].between(*year) & e["REC"].notna()
    ceased = (ended & (e["REC"] != "X1")).sum()
    assert starts == pytest.approx(3226, rel=0.12)
    assert ceased == pytest.approx(3311, rel=0.12)
    assert (ended & (e["REC"] == "E3")).sum() > 0.5 * ceased  # most of Kent's leavers are transfers


def test_a_transfer_ends_one_record_and_starts_another_the_same_day(south_east):
    m = south_east
    ep, hd = episodes_frame(m), header_frame(m)
    assert m.counters["transfers"] > 0
    # Each child's episodes are all with one council.
    assert (ep.groupby("CHILD")["LA"].nunique() == 1).all()
    e3 = ep[ep["REC"] == "E3"]
    firsts = ep.sort_values("DECOM").groupby("CHILD").head(1)
    firsts = firsts.merge(hd[["CHILD", "DOB", "SEX"]], on="CHILD")
    e3 = e3.merge(hd[["CHILD", "DOB", "SEX"]], on="CHILD")
    kept = e3.merge(firsts, on=["DOB", "SEX"], suffixes=("", "_new"))
    kept = kept[(kept["DECOM_new"] == kept["DEC"]) & (kept["LA_new"] != kept["LA"])]
    # Transfers within the world: a child of the receiving council starting on the day.
    assert len(kept) >= m.counters["transfers"] * 0.95
    assert (kept["RNE_new"] == "S").all()
    # The UASC counts by council stay the children in care who are unaccompanied.
    rows = m.table.rows_in_care()
    ti = m.table.I
    in_care = np.bincount(ti[rows, table.C_LA], ti[rows, table.C_UASC], m.geo.n_la)
    np.testing.assert_array_equal(in_care, m.uasc_stock)


def test_the_regional_plan_keeps_more_transfers_in_the_south_east(south_east):
    """Paired (same seed): with the regional plan Kent's referrals go to South East councils
    while they have room; without it five in six go to other regions, outside this world."""
    lever = dataclasses.replace(PolicyConfig().uasc_dispersal, enabled=True, start="2025-04-01")
    pol = PolicyConfig(name="regional_plan", uasc_dispersal=lever)
    cfg = RunConfig(world=WorldConfig(name=WorldName.south_east), years=1, seed=3, policy=pol)
    plan = PlacementModel(cfg, embedded.england(), world_data())
    plan.run()
    assert plan.counters["transfers"] > 2 * south_east.counters["transfers"]
