"""Cleaning an extract's episodes as the sector does, and resolving what it cannot repair.

This module owns merging a council's yearly returns into one history (``clean``): the latest
return wins for an episode, a row repeated in one return is dropped, an episode left open in
one return and followed in a later one is closed where the next begins, an episode recording
no change from the one before is merged into it, and overlapping episodes are resolved
keeping each child's recorded time in care (``resolve_overlaps``, its effect reported by
``overlap_effect``); with ``strict`` the repairs are problems instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.io.read903_files import SHOWN_PER_KIND, Problems


def clean(
    ep: pd.DataFrame, probs: Problems, strict: bool = False
) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame]:
    """Merge years, drop duplicates and redundant episodes, close stale open episodes.

    With ``strict`` a repeated row and a stale open episode are problems, not repairs.
    """
    n0 = len(ep)
    key = ["LA", "CHILD", "DECOM"]
    ep = ep.sort_values([*key, "_year", "_row"], kind="stable")
    # A row repeated within one return is a duplicate; across returns it is the same episode.
    exact = ep.duplicated([c for c in ep.columns if not c.startswith("_")] + ["_file"])
    if strict:
        probs.add_many(
            "episodes: a row repeated within one return (strict=true)",
            (f"{r['_file']} row {r['_row']}" for _, r in ep[exact].head(3).iterrows()),
            int(exact.sum()),
        )
    ep = ep[~exact]
    # The same episode in several returns: the latest return knows how it ended.
    same_file_dup = ep.duplicated([*key, "_file"], keep=False)
    twice = ep[same_file_dup].drop_duplicates([*key, "_file"])
    probs.add_many(
        "episodes: a child has two different episodes starting on one day in one return"
        " (expected one episode per start date)",
        (
            f"{r['_file']} row {r['_row']}: child {r['CHILD']!r}, {r['DECOM']:%d/%m/%Y}"
            for _, r in twice.head(SHOWN_PER_KIND).iterrows()
        ),
        len(twice),
    )
    if probs.count:
        return ep, {}, ep.iloc[0:0]
    across = ep.duplicated(key, keep="last")
    n_across = int(across.sum())
    ep = ep[~across].sort_values(["LA", "CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    same = ep["CHILD"].eq(ep["CHILD"].shift(-1)) & ep["LA"].eq(ep["LA"].shift(-1))
    nxt = ep.shift(-1)
    # An episode left open in an earlier return and followed by a later episode: close it there.
    stale = same & ep["DEC"].isna() & (ep["_year"] < nxt["_year"])
    if strict:
        probs.add_many(
            "episodes: open in one return and followed by a later episode in a later one"
            " (strict=true)",
            (f"{r['_file']} row {r['_row']}" for _, r in ep[stale].head(3).iterrows()),
            int(stale.sum()),
        )
        if probs.count:
            return ep, {}, ep.iloc[0:0]
    ep.loc[stale, "DEC"] = nxt.loc[stale, "DECOM"]
    ep.loc[stale, "REC"] = np.where(nxt.loc[stale, "RNE"] == "S", "E8", "X1")
    # Overlaps: an episode starting before the one before it has ended.
    prev_end = ep["DEC"].shift(1)
    prev_same = same.shift(1, fill_value=False)
    overlap = prev_same & (prev_end.isna() | (ep["DECOM"] < prev_end))
    excluded, n_cut = ep.iloc[0:0], 0
    if not strict and overlap.any():
        # Not repairable (which episode is right is unknown): an episode that starts before
        # the child's previous kept episode has ended is left out, and counted; its effect on
        # the children looked after at each 31 March is reported (``overlap_effect``).
        ep, excluded, n_cut = resolve_overlaps(ep, overlap)
        same = ep["CHILD"].eq(ep["CHILD"].shift(-1)) & ep["LA"].eq(ep["LA"].shift(-1))
        prev_same = same.shift(1, fill_value=False)
        overlap = overlap.iloc[0:0]

    def one(i: int) -> str:
        r, p = ep.iloc[i], ep.iloc[i - 1]
        ended = "is still open" if pd.isna(p["DEC"]) else f"ends {p['DEC']:%d/%m/%Y}"
        return (
            f"{r['_file']} row {r['_row']}: child {r['CHILD']!r} has an episode starting"
            f" {r['DECOM']:%d/%m/%Y} while the one from {p['DECOM']:%d/%m/%Y} ({p['_file']}"
            f" row {p['_row']}) {ended}"
        )

    at = np.flatnonzero(overlap.to_numpy())
    probs.add_many(
        "episodes: overlapping episodes (one starts before the one before it has ended)",
        (one(i) for i in at[:SHOWN_PER_KIND]),
        len(at),
    )
    if probs.count:
        return ep, {}, ep.iloc[0:0]
    # Redundant: continues the previous episode on the same day with nothing changed.
    cols = ["LS", "PLACE", "PLACE_PROVIDER", "PL_POST", "URN"]
    prev = ep.shift(1)
    redundant = (
        prev_same
        & ep["RNE"].ne("S")
        & (ep["DECOM"] == prev["DEC"])
        & prev["REC"].eq("X1")
        & np.logical_and.reduce([ep[c].eq(prev[c]) for c in cols])
    )
    # Fold each redundant run into the first episode of the run.
    keep_idx = (~redundant).cumsum() - 1
    firsts = ep[~redundant].reset_index(drop=True)
    last_of_run = ep.groupby(keep_idx.to_numpy()).tail(1)
    firsts["DEC"] = last_of_run["DEC"].to_numpy()
    firsts["REC"] = last_of_run["REC"].to_numpy()
    firsts["REASON_PLACE_CHANGE"] = last_of_run["REASON_PLACE_CHANGE"].to_numpy()
    cleaning = {
        "episodes_read": n0,
        "duplicate_rows_dropped": int(exact.sum()),
        "episodes_repeated_in_later_returns": n_across,
        "stale_open_episodes_closed": int(stale.sum()),
        "redundant_episodes_merged": int(redundant.sum()),
        "overlapping_episodes_within_another_left_out": len(excluded),
        "overlapping_episodes_cut_short": n_cut,
        "episodes": len(firsts),
    }
    return firsts, cleaning, excluded


def resolve_overlaps(
    ep: pd.DataFrame, overlap: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Overlapping episodes resolved so that each child's time in care stays as recorded.

    Child by child, in order of start, against the last episode kept: an episode lying wholly
    within it (ending no later; an open one never ends) is left out; one that starts inside it
    and ends after it cuts it short where it begins (that episode then ends with REC X1 and no
    reason for a placement change). Either way the days the child is recorded in care are
    unchanged, so are the children looked after on any day.

    Returns:
        The episodes kept, those left out, and how many were cut short.
    """
    children = set(zip(ep.loc[overlap, "LA"], ep.loc[overlap, "CHILD"], strict=True))
    mine = [(la, c) in children for la, c in zip(ep["LA"], ep["CHILD"], strict=True)]
    ep = ep.copy()
    dec, rec = ep["DEC"].to_numpy(copy=True), ep["REC"].to_numpy(copy=True)
    rpc = ep["REASON_PLACE_CHANGE"].to_numpy(copy=True)
    decom = ep["DECOM"].to_numpy()
    drop, cut = [], 0
    last: tuple | None = None
    keep_at = -1
    for i in np.flatnonzero(mine):
        who = (ep["LA"].iat[i], ep["CHILD"].iat[i])
        if who != last:
            last, keep_at = who, i
            continue
        end = dec[keep_at]  # NaT: still open
        if not pd.isna(end) and decom[i] >= end:
            keep_at = i  # no overlap
            continue
        if pd.isna(end) or (not pd.isna(dec[i]) and dec[i] <= end):
            drop.append(i)  # wholly within the kept episode
            continue
        dec[keep_at], rec[keep_at], rpc[keep_at] = decom[i], "X1", ""
        cut += 1
        keep_at = i
    ep["DEC"], ep["REC"], ep["REASON_PLACE_CHANGE"] = dec, rec, rpc
    out = np.zeros(len(ep), bool)
    out[drop] = True
    return ep[~out].reset_index(drop=True), ep[out], cut


def overlap_effect(kept: pd.DataFrame, excluded: pd.DataFrame, years: list[int]) -> str:
    """The overlapping episodes left out, and the change they make to CLA at each 31 March."""
    both = pd.concat([kept, excluded.assign(CHILD=excluded["LA"] + "|" + excluded["CHILD"])])

    def cla(ep: pd.DataFrame, y: int) -> int:
        d = pd.Timestamp(y, 3, 31)
        return ep.loc[(ep["DECOM"] <= d) & (ep["DEC"].isna() | (ep["DEC"] > d)), "CHILD"].nunique()

    changes = [f"{y}: {cla(kept, y) - cla(both, y):+d}" for y in years]
    children = excluded[["LA", "CHILD"]].drop_duplicates()
    return (
        f"{len(excluded)} overlapping episode(s) of {len(children)} child(ren) left out, each"
        " within another (strict=true refuses them); children looked after at 31 March change"
        f" by {', '.join(changes)}"
    )
