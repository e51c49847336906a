"""Load the embedded England tables shipped in ``sim/data`` (OGL v3; see its README).

This module owns reading the committed compact tables: LAs, postcode districts, the Ofsted
homes and IFAs, children's-home flows and national targets. It returns plain pandas frames and
the ``Geography``; nothing here reads files outside the package.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from sim.geography import Geography

DATA = Path(__file__).resolve().parent.parent / "data"


def read_table(name: str) -> pd.DataFrame:
    """Read one embedded CSV table (lines starting with '#' are its provenance header)."""
    return pd.read_csv(
        DATA / name,
        comment=None,
        skiprows=_header_lines(DATA / name),
        keep_default_na=False,
        na_values=[""],
    )


def _header_lines(path: Path) -> int:
    n = 0
    with path.open() as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            n += 1
    return n


@lru_cache(maxsize=1)
def england() -> Geography:
    """The 153 LAs and their postcode districts."""
    las = read_table("las.csv")
    las["rcc_pathfinder"] = las["rcc_pathfinder"].fillna("")
    districts = read_table("districts.csv")
    idx = {c: i for i, c in enumerate(las["ons_code"])}
    districts["la"] = districts["ons_code"].map(idx)
    districts = districts.sort_values(["la"], kind="stable").reset_index(drop=True)
    return Geography(las=las, districts=districts)


@lru_cache(maxsize=1)
def homes() -> pd.DataFrame:
    """Ofsted children's and secure homes at 31 March 2023."""
    df = read_table("homes.csv")
    df["group"] = df["group"].fillna("")
    return df


@lru_cache(maxsize=1)
def ifas() -> pd.DataFrame:
    """Ofsted independent fostering agencies at 31 March 2023 (region)."""
    df = read_table("ifas.csv")
    df["group"] = df["group"].fillna("")
    return df


@lru_cache(maxsize=1)
def home_flows() -> pd.DataFrame:
    """Children's-home joiners and leavers 2022-23 by LA and sector."""
    return read_table("home_flows_2022_23.csv")


@lru_cache(maxsize=1)
def targets() -> pd.DataFrame:
    """National calibration targets, one row per (name, key, year)."""
    df = read_table("targets.csv")
    df["key"] = df["key"].fillna("")
    return df


@lru_cache(maxsize=1)
def la_outcomes_half() -> pd.DataFrame:
    """DfE 2025 outcomes (percentages) of the training half of the LAs; NaN where suppressed."""
    return read_table("la_outcomes_2025_half.csv")
