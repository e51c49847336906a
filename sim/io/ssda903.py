"""SSDA903 tables from a run: header and episodes shaped as the return, and their CSV files.

This module owns turning a finished model's records into the SSDA903 shape the sector uses
(codes from ``docs/ssda903.md``; dates dd/mm/yyyy; HOME_POST and PL_POST as postcode
districts; URN the unit's id; plus LA = the responsible LA's ONS code and REP when several
replicates share a file), the ledger with financial years and spend groups, and the snapshot
rows. The same frames feed ``sim.metrics.indicators``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.io.tables import write_csv
from sim.records import (
    CIN_CODES,
    IFA,
    INHOUSE,
    KIND_NAMES,
    LS_CODES,
    OPEN_DAY,
    PLACE_CODES,
    PROVIDER_CODES,
    REC_CODES,
    RNE_CODES,
    RPC_CODES,
    day_to_date,
)

# How a return writes what the model does not record, as the DfE's rules want it (checked with
# the DfE's validator, csc-validator-be-903 0.1.17, by experiments/validate.py):
# placements that have no provider (rules 178, 213): their PLACE_PROVIDER is blank;
NO_PROVIDER_PLACES = ("T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14")
# placements that have no Ofsted URN (rule 222): blank; any other unit without one (adoption,
# kinship carers, rule 242): seven X.
NO_URN_PLACES = ("H5", "P1", "P2", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4")
NO_URN_PLACES += ("Z1", "Z11", "Z12", "Z13", "Z14")
NO_URN = "XXXXXXX"
# Settings outside the care market that Ofsted registers (family centres R3, residential
# schools S1: ``sim.engine.other_settings``) have no unit; XXXXXXX is for adoption and foster
# care only (rule 242), so each is written with a synthetic URN: its code and district.
OFSTED_SETTINGS = ("R3", "S1")
# UPN check letters (the DfE's UPN specification: weights 2-13 on the 12 digits, mod 23).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def synthetic_upn(child_ids) -> list[str]:
    """A valid-format UPN for each simulated child (rules 168, 442), the same every year.

    Check letter, then '999' (no LA has that number: the UPN is plainly synthetic) and nine
    digits from the child's number (or a hash of a non-numeric id).
    """
    out = []
    for c in child_ids:
        s = str(c).split("|")[-1]
        n = int(s) if s.isdigit() else int.from_bytes(s.encode()[-8:].rjust(8, b"\0"), "big")
        digits = f"999{n % 10**9:09d}"
        check = sum(int(d) * w for d, w in zip(digits, range(2, 14), strict=True)) % 23
        out.append(UPN_LETTERS[check] + digits)
    return out


EPISODE_COLUMNS = [
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
    "LA",
]
HEADER_COLUMNS = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", "LA"]


def _codes(values: np.ndarray, codes: list[str]) -> pd.Series:
    arr = np.asarray(codes + [None], dtype=object)
    v = np.asarray(values)
    return pd.Series(arr[np.where(v >= 0, v, len(codes))])


def episodes_frame(model) -> pd.DataFrame:
    """The run's episodes as SSDA903 columns (dates as datetime64, NaT when open)."""
    e = model.episodes.frame()
    geo = model.geo
    dnames = np.asarray(list(geo.d_name) + [None], dtype=object)
    urns = np.asarray(model.supply.urn + [NO_URN], dtype=object)
    is_open = e["dec"].to_numpy() == OPEN_DAY
    dec = day_to_date(np.where(is_open, 0, e["dec"].to_numpy()), model.origin).where(~is_open)
    # A placement with no provider in the return's terms (an unregistered setting) has none here
    # either (its payments keep their payee in the ledger).
    place = e["place"].to_numpy()
    none = np.isin(place, [PLACE_CODES.index(p) for p in NO_PROVIDER_PLACES if p in PLACE_CODES])
    provider = np.where(none, -1, e["provider"].to_numpy())
    unit, pl_d = e["unit"].to_numpy(), e["pl_d"].to_numpy()
    urn = urns[np.where(unit >= 0, unit, len(urns) - 1)]
    setting = np.isin(place, [PLACE_CODES.index(p) for p in OFSTED_SETTINGS]) & (unit < 0)
    for i in np.flatnonzero(setting):
        urn[i] = f"{PLACE_CODES[place[i]]}{int(pl_d[i]):05d}"
    return pd.DataFrame(
        {
            "CHILD": e["child"].to_numpy(),
            "DECOM": day_to_date(e["decom"].to_numpy(), model.origin),
            "RNE": _codes(e["rne"], RNE_CODES),
            "LS": _codes(e["ls"], LS_CODES),
            "CIN": _codes(e["cin"], CIN_CODES),
            "PLACE": _codes(e["place"], PLACE_CODES),
            "PLACE_PROVIDER": _codes(provider, PROVIDER_CODES),
            "DEC": dec,
            "REC": _codes(e["rec"], REC_CODES),
            "REASON_PLACE_CHANGE": _codes(e["rpc"], RPC_CODES),
            "HOME_POST": dnames[np.where(e["home_d"] >= 0, e["home_d"], len(geo.d_name))],
            "PL_POST": dnames[np.where(e["pl_d"] >= 0, e["pl_d"], len(geo.d_name))],
            "URN": urn,
            "LA": geo.code[e["la"].to_numpy()],
        }
    )


def header_frame(model) -> pd.DataFrame:
    """The run's header rows (SEX as M/F, the 2024-25 coding)."""
    h = model.header.frame()
    return pd.DataFrame(
        {
            "CHILD": h["child"].to_numpy(),
            "SEX": np.where(h["sex"].to_numpy() == 1, "M", "F"),
            "DOB": day_to_date(h["dob"].to_numpy(), model.origin),
            "ETHNIC": h["ethnic"].to_numpy(),
            "UPN": "",
            "MOTHER": "",
            "MC_DOB": "",
            "LA": model.geo.code[h["la"].to_numpy()],
            "UASC": h["uasc"].to_numpy(),
        }
    )


def ledger_frame(model) -> pd.DataFrame:
    """The ledger with financial year, payer and payee names and spend groups."""
    lg = model.ledger.frame()
    if len(lg) == 0:
        return lg
    days = lg["day"].to_numpy()
    dates = day_to_date(days, model.origin)
    fy = dates.dt.year + (dates.dt.month >= 4).astype(int)
    # A payment made on 31 March belongs to the year ending that day.
    kind = lg["kind"].to_numpy()
    kind_name = np.asarray(KIND_NAMES + ["none"], dtype=object)[np.where(kind >= 0, kind, 7)]
    from sim.metrics import SPEND_GROUP

    group = np.array([SPEND_GROUP.get(k, "overhead") for k in kind_name], dtype=object)
    from sim.policies.base import ITEM_GROUPS

    item = lg["item"].to_numpy()
    for code, name in ITEM_GROUPS.items():
        group = np.where(item == code, name, group)
    payee = lg["payee"].to_numpy()
    names = np.asarray([p.name for p in model.providers] + ["council"], dtype=object)
    return pd.DataFrame(
        {
            "date": dates,
            "fy": fy.to_numpy(),
            "payer_la": model.geo.code[lg["payer_la"].to_numpy()],
            "payee": names[np.where(payee >= 0, payee, len(names) - 1)],
            "payee_id": payee,
            "unit": lg["unit"].to_numpy(),
            "child": lg["child"].to_numpy(),
            "kind_name": kind_name,
            "group": group,
            "days": lg["days"].to_numpy(),
            "amount_gbp": lg["amount_gbp"].to_numpy().round(2),
        }
    )


def snapshot_rows(model) -> pd.DataFrame:
    """Tidy indicator rows from the 31 March snapshots (supply, homes, waiting)."""
    rows = []
    codes = model.geo.code
    region = dict(zip(model.geo.las["ons_code"], model.geo.las["region"], strict=True))
    rcc = dict(zip(model.geo.las["ons_code"], model.geo.las["rcc_pathfinder"], strict=True))
    for snap in model.snapshots:
        year = int(day_to_date(np.array([snap["day"]]), model.origin).dt.year.iloc[0])
        sup = snap["supply"]
        for kind in range(len(KIND_NAMES)):
            k = sup[sup["kind"] == kind]
            name = KIND_NAMES[kind]
            for col in ("units", "places", "occupied"):
                rows.append(
                    (year, "england", "England", f"supply_{name}_{col}", float(k[col].sum()))
                )
        mainstream = sup["kind"].isin((INHOUSE, IFA))  # fostering households, not kinship
        rows.append(
            (year, "england", "England", "foster_households", float(sup[mainstream]["units"].sum()))
        )
        hs = snap["homes_by_sector"]
        total = sum(hs.values())
        rows.append((year, "england", "England", "childrens_homes", float(total)))
        rows.append(
            (
                year,
                "england",
                "England",
                "childrens_homes_private_share",
                hs["private"] / total if total else float("nan"),
            )
        )
        for key in ("private_home_margin", "private_groups_margin"):
            rows.append((year, "england", "England", key, float(snap[key])))
        for key in ("homes_opened", "homes_closed", "public_homes", "block_places"):
            rows.append((year, "england", "England", key, float(snap[key])))
        rows.append((year, "england", "England", "mean_days_waiting", snap["mean_days_waiting"]))
        fp = sum(float(sup.loc[sup["kind"] == k, "places"].sum()) for k in (INHOUSE, IFA))
        rows.append((year, "england", "England", "foster_places", fp))
        filled = {k: float(sup.loc[sup["kind"] == k, "occupied"].sum()) for k in (INHOUSE, IFA)}
        if sum(filled.values()) > 0:
            share = filled[IFA] / sum(filled.values())
            rows.append((year, "england", "England", "ifa_share_of_filled_foster_places", share))
        u = snap["unregistered_by_la"]
        rows.append((year, "england", "England", "unregistered_at_31_march", float(u.sum())))
        for name, w in (
            ("children_waiting", snap["waiting_by_la"]),
            ("unregistered_at_31_march", snap["unregistered_by_la"]),
        ):
            for la in np.flatnonzero(model.is_sim):
                rows.append((year, "la", codes[la], name, float(w[la])))
            if name == "children_waiting":
                rows.append((year, "england", "England", name, float(w.sum())))
            for atype, key in (("region", region), ("rcc", rcc)):
                by: dict[str, float] = {}
                for la in np.flatnonzero(model.is_sim):
                    area = key.get(codes[la])
                    if area:
                        by[area] = by.get(area, 0) + float(w[la])
                for r, v in sorted(by.items()):
                    rows.append((year, atype, r, name, v))
    return pd.DataFrame(rows, columns=["year", "area_type", "area", "indicator", "value"])


def dmy(dates: pd.Series) -> pd.Series:
    """Dates as dd/mm/yyyy text (missing where the date is), each distinct date formatted once.

    The same text as ``.dt.strftime("%d/%m/%Y")``: a run's million episodes hold a few
    thousand distinct dates.
    """
    codes, uniques = pd.factorize(pd.to_datetime(dates))
    text = np.asarray(pd.DatetimeIndex(uniques).strftime("%d/%m/%Y"), dtype=object)
    out = np.full(len(codes), np.nan, dtype=object)
    have = codes >= 0
    out[have] = text[codes[have]]
    return pd.Series(out, index=dates.index, dtype=object)


def write_episodes(episodes: pd.DataFrame, path, rep: int | None = None) -> None:
    """Write episodes as an SSDA903 CSV (dd/mm/yyyy dates; REP column when given)."""
    out = episodes[EPISODE_COLUMNS].copy()
    for col in ("DECOM", "DEC"):
        out[col] = dmy(out[col])
    if rep is not None:
        out.insert(0, "REP", rep)
    write_csv(out, path)


def write_header(header: pd.DataFrame, path, rep: int | None = None) -> None:
    """Write the header as an SSDA903 CSV."""
    out = header[HEADER_COLUMNS].copy()
    out["DOB"] = dmy(out["DOB"])
    if rep is not None:
        out.insert(0, "REP", rep)
    write_csv(out, path)


def _return_place(place: pd.Series, year: int) -> pd.Series:
    """PLACE codes as valid in the return for ``year`` (the 2025-26 change, ssda903.md).

    From 2025-26 Z1 is split into Z11-Z14, whose meanings the spec does not give: the model's
    unregistered settings are written as Z11 (assumption); H5 and P2 become K3. Before it,
    Z11-Z14 are written as Z1.
    """
    if year >= 2026:
        return place.replace({"Z1": "Z11", "H5": "K3", "P2": "K3"})
    return place.replace({"Z11": "Z1", "Z12": "Z1", "Z13": "Z1", "Z14": "Z1"})


def returns(
    episodes: pd.DataFrame, header: pd.DataFrame, years: list[int]
) -> dict[tuple[str, int], dict[str, pd.DataFrame]]:
    """Split a run's (or an extract's) records into one return per LA and year.

    The return for year Y holds every episode open at some time in the year to 31 March Y;
    an episode still open on 31 March Y is written open (no DEC, REC or reason), as the return
    then had it. The header holds the children with an episode in the return; the UASC table
    the unaccompanied ones among them (DUC = the 18th birthday). SEX is 1/2 up to 2023-24 and
    M/F from 2024-25 (ssda903.md).

    Returns:
        ``{(LA code, year): {"header": ..., "episodes": ..., "uasc": ...}}`` with dates as
        dd/mm/yyyy strings and CHILD as the LA's own id (any ``LA|`` prefix removed).
    """
    ep = episodes.copy()
    ep["DECOM"] = pd.to_datetime(ep["DECOM"])
    ep["DEC"] = pd.to_datetime(ep["DEC"])
    hd = header.drop_duplicates("CHILD").set_index("CHILD")
    out: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    for year in years:
        start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
        sel = ep[(ep["DECOM"] <= end) & (ep["DEC"].isna() | (ep["DEC"] >= start))].copy()
        still_open = sel["DEC"].isna() | (sel["DEC"] > end)
        sel["DEC"] = sel["DEC"].where(~still_open)
        for col in ("REC", "REASON_PLACE_CHANGE"):
            sel[col] = sel[col].where(~still_open, None)
        sel["PLACE"] = _return_place(sel["PLACE"], year)
        sel["PLACE_PROVIDER"] = sel["PLACE_PROVIDER"].where(
            ~sel["PLACE"].isin(NO_PROVIDER_PLACES), None
        )
        sel["URN"] = sel["URN"].where(~sel["PLACE"].isin(NO_URN_PLACES), None)
        for la, e in sel.groupby("LA", sort=True):
            e = e.sort_values(["CHILD", "DECOM"], kind="stable")
            kids = hd.loc[e["CHILD"].drop_duplicates()]
            own = e["CHILD"].astype(str).str.split("|").str[-1]
            eps = e[EPISODE_COLUMNS[:-1]].assign(CHILD=own.to_numpy())
            for col in ("DECOM", "DEC"):
                eps[col] = eps[col].dt.strftime("%d/%m/%Y").fillna("")
            sex = kids["SEX"].astype(str)
            if year <= 2024:
                sex = sex.replace({"M": "1", "F": "2"})
            dob = pd.to_datetime(kids["DOB"])
            kid_ids = kids.index.astype(str).str.split("|").str[-1]
            head = pd.DataFrame(
                {
                    "CHILD": kid_ids,
                    "SEX": sex.to_numpy(),
                    "DOB": dob.dt.strftime("%d/%m/%Y").to_numpy(),
                    "ETHNIC": kids["ETHNIC"].to_numpy() if "ETHNIC" in kids else "",
                    "UPN": synthetic_upn(kid_ids),
                    "MOTHER": np.where(kids["SEX"].astype(str).isin(("F", "2")), "0", ""),
                    "MC_DOB": "",
                }
            )
            is_uasc = kids["UASC"].to_numpy(bool) if "UASC" in kids else np.zeros(len(kids), bool)
            # The 18th birthday. 18 years after 29 February is a common year: the model (and the
            # law) take 1 March, but the DfE's rule 304 reads the birthday as 28 February and
            # rejects a later date, so a leapling's status is written as ceasing on 28 February.
            duc = dob + pd.DateOffset(years=18)
            uasc = pd.DataFrame(
                {
                    "CHILD": kid_ids[is_uasc],
                    "SEX": sex.to_numpy()[is_uasc],
                    "DOB": dob.dt.strftime("%d/%m/%Y").to_numpy()[is_uasc],
                    "DUC": duc.dt.strftime("%d/%m/%Y").to_numpy()[is_uasc],
                }
            )
            out[(str(la), year)] = {"header": head, "episodes": eps, "uasc": uasc}
    return out


def write_returns(episodes: pd.DataFrame, header: pd.DataFrame, years: list[int], out_dir) -> list:
    """Write one Header, Episodes and UASC file per LA and year: ``out_dir/<LA>/<year>-*.csv``.

    The files are staged and moved into place only when all are written, so a failure leaves
    nothing half-written. Returns the files written.
    """
    from sim.io.staging import Staged

    st = Staged(out_dir)
    with st as stage:
        for (la, year), tables in returns(episodes, header, years).items():
            folder = stage / la
            folder.mkdir(parents=True, exist_ok=True)
            for name, frame in tables.items():
                frame.to_csv(folder / f"{year}-{name}.csv", index=False)
    return st.files
