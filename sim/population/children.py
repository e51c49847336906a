"""Children in care: the slots of their own uniforms, the entry tables, a view on one child.

This module owns the slots of a child's own uniforms (``sim.rng.child_uniforms``, drawn once at
entry), the tables the entry rules read (need, legal status, ethnicity, needs tiers, reasons
for leaving by route) and ``Child``, a view on one child's row of the table. The entry rules
are compiled in ``sim.population.entry``; a placement's next event in
``sim.engine.placements``.
"""

from __future__ import annotations

import numpy as np

from sim.population.table import (
    BOOL_COLUMNS,
    C_CID,
    C_LA,
    FLOAT_INDEX,
    INT_INDEX,
    PENDING,
    PENDING_CODE,
    ROUTE_CODE,
    ROUTES,
)
from sim.population.table import (
    N_UNIFORMS as N_UNIFORMS,
)
from sim.records import (
    DAYS_PER_YEAR,
    REC,
    UNPLANNED_RPC_SHARE,
)

# Uniform slots (see module docstring); per-placement slots start at PLACEMENT_SLOT.
U_STAY, U_DURATION, U_PLAN, U_KIN, U_TIER, U_TEMP, U_ADOPT, U_EXIT_REASON, U_18, U_LS = range(10)
U_CIN, U_SEX, U_TEMP_DAYS, U_LS_DAYS, U_SA16, U_HOME, U_AGE = range(10, 17)
U_UASC, U_AGE_POS, U_SIB = range(17, 20)
U_ETHNIC, U_AWAY = 20, 21
# Slots read only by reform levers (prevention; kinship support, UASC transfer).
U_PREVENT, U_LEVER = 22, 23
PLACEMENT_SLOT, PER_PLACEMENT = 24, 4
N_PLACEMENT_DRAWS = 15  # blocks of PER_PLACEMENT uniforms (slots 24-83); later ones are remixed
# The child's lasting propensity to move (after the placement blocks: adding it changed no
# other draw, as the uniforms are counter-based).
U_PROPENSITY = PLACEMENT_SLOT + PER_PLACEMENT * N_PLACEMENT_DRAWS
# A setting outside the care market (``sim.engine.other_settings``): whether an entrant starts
# in one, which kind and where. Slots of their own, so adding them changed no other draw.
U_OTHER, U_OTHER_KIND, U_OTHER_WHERE = U_PROPENSITY + 1, U_PROPENSITY + 2, U_PROPENSITY + 3

# Ethnicity of CLA at 31 March 2025 [file] DfE 2025 (White 71%, Mixed 11%, Black 8%, Asian 5%,
# other 4%, not known 1%), as SSDA903 ETHNIC codes; UASC: assumption.
ETHNIC = (
    ["WBRI", "WOTH", "MOTH", "BAFR", "AOTH", "OOTH", "NOBT"],
    np.cumsum([0.64, 0.07, 0.11, 0.08, 0.05, 0.04, 0.01]).tolist(),
)
ETHNIC_UASC = (["BAFR", "AOTH", "OOTH", "WOTH"], np.cumsum([0.35, 0.3, 0.3, 0.05]).tolist())

AGE_BAND_EDGES = np.array([1.0, 5.0, 10.0, 16.0])  # under 1, 1-4, 5-9, 10-15, 16-17


# Category of need at entry [file] DfE 2025 starts (N1..N8); UASC are N8 (absent parenting).
CIN_SHARE_NON_UASC = np.array([18310, 580, 610, 2370, 3050, 580, 30, 6740 - 6950 * 0.85])
CIN_SHARE_NON_UASC = (
    np.clip(CIN_SHARE_NON_UASC, 1, None) / np.clip(CIN_SHARE_NON_UASC, 1, None).sum()
)
CIN_CUM_NON_UASC = np.cumsum(CIN_SHARE_NON_UASC).tolist()
# Legal status at entry [file] DfE 2025 starts: V2, C1, L1, L2, J1, C2.
LS_START = (
    ["V2", "C1", "L1", "L2", "J1", "C2"],
    np.cumsum([0.565, 0.311, 0.090, 0.011, 0.015, 0.008]).tolist(),
)
# Needs tier shares (standard, complex, very complex) by age band: assumption.
TIER_SHARE = np.array(
    [
        [0.85, 0.13, 0.02],
        [0.80, 0.17, 0.03],
        [0.65, 0.28, 0.07],
        [0.45, 0.40, 0.15],
        [0.50, 0.38, 0.12],
    ]
)
# Reasons for leaving care by route (REC codes and shares): assumption shaped to the reasons
# ceased in 2024-25 [file] DfE 2025 (docs/facts.md §1.8). E3 (care taken by another council,
# 2,640) is not drawn: the model makes it as the National Transfer Scheme's transfers
# (``sim.engine.events.transfer``).
EXIT_REASONS = {
    "short": (
        ["E4A", "E4B", "E13", "E41", "E8", "E14"],
        [0.42, 0.09, 0.15, 0.05, 0.12, 0.03],
    ),
    "young_long": (
        ["E45", "E47", "E4A", "E41", "E13", "E8"],
        [0.25, 0.25, 0.22, 0.10, 0.05, 0.05],
    ),
    "older_long": (
        ["E4A", "E45", "E47", "E13", "E8", "E4B", "E9"],
        [0.28, 0.08, 0.08, 0.15, 0.15, 0.05, 0.05],
    ),
    "uasc": (["E15", "E8", "E16", "E13"], [0.25, 0.35, 0.05, 0.15]),
    "at18": (["E5", "E6", "E8", "E7", "E13"], [0.62, 0.16, 0.10, 0.07, 0.05]),
    "adoption": (["E11", "E12"], [0.55, 0.45]),
}
EXIT_TABLES = {
    k: ([REC[c] for c in codes], np.cumsum(np.array(p) / np.sum(p)).tolist())
    for k, (codes, p) in EXIT_REASONS.items()
}


UNPLANNED_CUM_LIST = np.cumsum(UNPLANNED_RPC_SHARE).tolist()


class Child:
    """A child in care, read and written through its row of the child table.

    Not a Mesa agent: children are a struct of arrays that compiled kernels update in batches
    (``sim.population.table``); this view serves code that handles one child at a time
    (initialisation, an observed start, the levers' moves, tests). Its futures are fixed at
    entry from its own uniforms.

    Attributes:
        cid: child number written as SSDA903 CHILD.
        la: responsible LA (index); home_d: home postcode district (-1 unknown, e.g. UASC).
        dob: date of birth (model day); sex: 1 male, 2 female; uasc: unaccompanied asylum seeker.
        cin, ls: category of need and legal status (code indices).
        tier: needs tier (0 standard, 1 complex, 2 very complex); plan: care plan (PLAN_*).
        care_start, exit_day: period of care start and its scheduled end (model days).
        exit_route: why it will leave ("short", "young_long", "older_long", "uasc", "at18",
            "adoption").
        unit, place, provider, pl_d: current placement (unit id or -1, PLACE, PLACE_PROVIDER,
            placement district); ep_start, ep_rne: current episode's start day and RNE.
        n_placements: placements so far in this period of care; price: weekly price (£).
        u: the child's uniforms; version: bumps to cancel scheduled events.
    """

    def __init__(self, model, cid: int, la: int, u=None, row: int | None = None) -> None:
        t = model.table  # the population's table (``sim.population.table.ChildTable``)
        if row is None:
            row = int(t.alloc(1)[0])
            t.I[row, C_CID] = cid
            t.I[row, C_LA] = la
            t.index(np.array([cid]), np.array([row]))
        self._t = t
        self.row = row
        self.cid = cid
        self.la = la
        if u is not None:
            t.U[row] = u

    @property
    def u(self) -> np.ndarray:
        """The child's own uniforms (a view on its row of the table)."""
        return self._t.U[self.row]

    @u.setter
    def u(self, value) -> None:
        self._t.U[self.row] = value

    def age_years(self, day: int) -> float:
        """Age in years on ``day``."""
        return (day - self.dob) / DAYS_PER_YEAR


def _int_column(col: int) -> property:
    def get(self):
        return self._t.I.item(self.row, col)

    def set(self, v) -> None:
        self._t.I[self.row, col] = v

    return property(get, set)


def _bool_column(col: int) -> property:
    def get(self):
        return self._t.I.item(self.row, col) != 0

    def set(self, v) -> None:
        self._t.I[self.row, col] = v

    return property(get, set)


def _code_column(col: int, names: tuple[str, ...], code: dict[str, int]) -> property:
    def get(self):
        return names[self._t.I.item(self.row, col)]

    def set(self, v: str) -> None:
        self._t.I[self.row, col] = code[v]

    return property(get, set)


def _float_column(col: int) -> property:
    def get(self):
        return self._t.F.item(self.row, col)

    def set(self, v) -> None:
        self._t.F[self.row, col] = v

    return property(get, set)


for _name, _col in INT_INDEX.items():
    if _name in ("cid", "la"):
        continue  # fixed at creation: plain attributes (also in the table)
    if _name == "exit_route":
        _prop = _code_column(_col, ROUTES, ROUTE_CODE)
    elif _name == "pending":
        _prop = _code_column(_col, PENDING, PENDING_CODE)
    elif _name in BOOL_COLUMNS:
        _prop = _bool_column(_col)
    else:
        _prop = _int_column(_col)
    setattr(Child, _name, _prop)
for _name, _col in FLOAT_INDEX.items():
    setattr(Child, _name, _float_column(_col))


def _get_waiting(self) -> bool:
    return self._t.W.item(self.row) != 0


def _set_waiting(self, v) -> None:
    self._t.W[self.row] = v


Child.waiting = property(_get_waiting, _set_waiting, doc="In the model's planned queue.")
