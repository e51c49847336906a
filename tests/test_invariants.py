"""Invariants after a short tiny-world run: conservation, capacity, episodes, money."""

import numpy as np
import pandas as pd

from sim.io import ssda903 as io903
from sim.records import HOME, IFA, KIN, SA, SECTOR_LA, SECURE, UNREG

PREMIUM = (IFA, HOME, SECURE, SA)


def test_children_conserved(tiny_model):
    m = tiny_model
    e = m.episodes.frame()
    initial = int((m.header.frame()["child"] < 10**9).sum()) - m.counters["entries"]
    exits = int(((e["rec"] >= 0) & (e["rec"] != 0)).sum())  # REC other than X1
    assert initial + m.counters["entries"] - exits == len(m.children)
    assert int(m.stock.sum()) == len(m.children)


def test_occupancy_never_above_capacity_and_matches_children(tiny_model):
    s = tiny_model.supply
    n = s.n
    assert (s.occupied[:n] <= s.capacity[:n]).all()
    assert (s.occupied[:n] >= 0).all()
    counts = np.bincount([c.unit for c in tiny_model.children.values() if c.unit >= 0], minlength=n)
    assert (counts == s.occupied[:n]).all()
    # Closed units hold nobody; kinship and unregistered units close when empty.
    assert (s.occupied[:n][~s.open[:n]] == 0).all()
    temp = (s.kind[:n] == KIN) | (s.kind[:n] == UNREG)
    assert (s.occupied[:n][temp & s.open[:n]] > 0).all()


def test_extra_staffing_cost_follows_the_children_placed(tiny_model):
    # A unit's extra cost rate is the sum of its children's complex-needs costs: nothing is
    # left behind when children move on, and council units carry none.
    s = tiny_model.supply
    n = s.n
    kids = [c for c in tiny_model.children.values() if c.unit >= 0]
    want = np.bincount([c.unit for c in kids], weights=[c.extra_cost for c in kids], minlength=n)
    assert np.allclose(s.extra_cost_rate[:n], want, atol=1e-6)
    assert (s.extra_cost_rate[:n][s.sector[:n] == SECTOR_LA] == 0).all()
    assert any(c.extra_cost > 0 for c in kids) and all(
        (c.extra_cost > 0) == (c.tier > 0 and s.sector[c.unit] != SECTOR_LA and c.kind in PREMIUM)
        for c in kids
    )


def test_one_open_episode_per_child_and_no_overlaps(tiny_model):
    ep = io903.episodes_frame(tiny_model)
    open_ = ep[ep["DEC"].isna()]
    assert open_["CHILD"].is_unique
    assert set(open_["CHILD"]) == set(tiny_model.children)
    ep = ep.sort_values(["CHILD", "DECOM"], kind="stable")
    nxt = ep.groupby("CHILD")["DECOM"].shift(-1)
    closed = ep["DEC"].notna() & nxt.notna()
    # Each episode ends the day the next one starts (X1), never after.
    assert (ep.loc[closed, "DEC"] == nxt[closed]).all()
    assert (ep.loc[closed, "REC"] == "X1").all()
    assert (ep["DEC"].isna() | (ep["DEC"] >= ep["DECOM"])).all()


def test_codes_are_valid_ssda903(tiny_model):
    from sim.records import (
        CIN_CODES,
        LS_CODES,
        PLACE_CODES,
        PROVIDER_CODES,
        REC_CODES,
        RNE_CODES,
        RPC_CODES,
    )

    ep = io903.episodes_frame(tiny_model)
    assert ep["PLACE"].isin(PLACE_CODES).all()
    assert ep["RNE"].isin(RNE_CODES).all()
    assert ep["LS"].isin(LS_CODES).all()
    assert ep["CIN"].isin(CIN_CODES).all()
    # A provider for every placement but those that have none in the return (rules 178, 213).
    none = ep["PLACE"].isin(io903.NO_PROVIDER_PLACES)
    assert ep.loc[~none, "PLACE_PROVIDER"].isin(PROVIDER_CODES).all()
    assert ep.loc[none, "PLACE_PROVIDER"].isna().all()
    assert ep["REC"].dropna().isin(REC_CODES).all()
    assert ep["REASON_PLACE_CHANGE"].dropna().isin(RPC_CODES).all()
    # A reason for a placement change only on an episode that ended with X1.
    assert (ep.loc[ep["REASON_PLACE_CHANGE"].notna(), "REC"] == "X1").all()


def test_payments_balance(tiny_model):
    m = tiny_model
    lg = m.ledger.frame()
    paid = float(lg["amount_gbp"].sum())
    to_providers = float(lg.loc[lg["payee"] >= 0, "amount_gbp"].sum())
    council_spend = sum(sum(c.history) + c.spend_gbp for c in m.councils)
    assert np.isclose(paid, council_spend)
    by_payee = lg[lg["payee"] >= 0].groupby("payee")["amount_gbp"].sum()
    assert np.isclose(by_payee.sum(), to_providers)
    # Each placement payment covers days at the child's weekly price: amount = price * days/7
    # with prices positive.
    pl = lg[lg["item"] == 0]
    assert (pl["amount_gbp"] >= 0).all() and (pl["days"] > 0).all()


def test_spend_is_billed_for_every_placement_day(tiny_model):
    """Placement days billed in the first year equal child-days in units that year."""
    m = tiny_model
    lg = m.ledger.frame()
    ep = m.episodes.frame()
    y1 = (lg["day"] <= 365) & (lg["item"] == 0)
    billed_days = int(lg.loc[y1, "days"].sum())
    e = ep[ep["unit"] >= 0]
    dec = np.where(e["dec"] < -(10**8), 10**6, e["dec"])
    days = np.clip(np.minimum(dec, 365) - np.maximum(e["decom"].to_numpy(), 0), 0, None)
    assert billed_days == int(days.sum())


def test_indicators_from_written_files_match(tiny_model, tmp_path):
    from sim.io import embedded
    from sim.metrics import indicators

    ep = io903.episodes_frame(tiny_model)
    hd = io903.header_frame(tiny_model)
    io903.write_episodes(ep, tmp_path / "e.csv")
    io903.write_header(hd, tmp_path / "h.csv")
    ep2 = pd.read_csv(tmp_path / "e.csv", dtype=str)
    hd2 = pd.read_csv(tmp_path / "h.csv", dtype=str)
    for c in ("DECOM", "DEC"):
        ep2[c] = pd.to_datetime(ep2[c], format="%d/%m/%Y")
    hd2["DOB"] = pd.to_datetime(hd2["DOB"], format="%d/%m/%Y")
    ep2["CHILD"] = ep2["CHILD"].astype(int)
    hd2["CHILD"] = hd2["CHILD"].astype(int)
    a = indicators(ep, hd, [2026, 2027], embedded.england())
    b = indicators(ep2, hd2, [2026, 2027], embedded.england())
    pd.testing.assert_frame_equal(a, b)


def test_a_run_drops_no_reference_cycles_and_restores_the_collector():
    """The cyclic collector is paused during a run (``sim.model.paused_gc``): that is only
    safe if the model leaves no cyclic garbage behind, e.g. a cycle through every child that
    left care would grow memory by the children's number."""
    import gc

    from sim.io import embedded
    from sim.io.outputs import world_data
    from sim.model import PlacementModel

    from .conftest import tiny_config

    gc.collect()
    for enabled in (True, False):
        gc.enable() if enabled else gc.disable()
        try:
            m = PlacementModel(tiny_config(years=3), embedded.england(), world_data())
            m.run()
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
        left = m.next_cid - 1 - len(m.children)
        assert left > 100  # children did leave care
        assert gc.collect() < left / 10
        del m
        gc.collect()  # the model itself, a cycle of model and agents, goes once dropped


def test_a_finished_model_is_freed():
    """Nothing outside a model keeps it alive (Mesa 3.3 did: ``sim.model._free_finished_models``),
    so a process running replicate after replicate does not hold them all."""
    import gc
    import weakref

    from sim.io import embedded
    from sim.io.outputs import world_data
    from sim.model import PlacementModel

    from .conftest import tiny_config

    refs = []
    for seed in (1, 2):
        m = PlacementModel(tiny_config(years=1, seed=seed), embedded.england(), world_data())
        m.run()
        refs.append(weakref.ref(m))
        del m
    gc.collect()
    assert [r() for r in refs] == [None, None]
