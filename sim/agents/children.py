"""Children in care: their attributes, needs, care plans and the futures of each placement.

This module owns the Child agent (DESIGN §2), the slots of a child's own uniforms
(``sim.rng.child_uniforms``, drawn once at entry) and the tables the entry rules read (need,
legal status, ethnicity, needs tiers, exit reasons); the entry rules themselves (how long a
child stays and why it leaves, its needs tier and care plan, whether its first placement is a
short-term one) are compiled in ``sim.agents.entry``. Here, for each placement, the thresholds
of an unplanned ending and a planned move: the hazards depend on the kind of placement, the
child's age, the fit of needs to the unit's skill, the distance from home and the unit's Ofsted
grade. The model schedules the events these produce.
"""

from __future__ import annotations

import bisect

import mesa
import numpy as np

from sim.agents.table import (
    BOOL_COLUMNS,
    C_CID,
    C_LA,
    FLOAT_INDEX,
    INT_INDEX,
    PENDING,
    PENDING_CODE,
    ROUTE_CODE,
    ROUTES,
    ChildTable,
)
from sim.agents.table import (
    N_UNIFORMS as N_UNIFORMS,
)
from sim.config import PlacementParams
from sim.records import (
    DAYS_PER_YEAR,
    IFA,
    INHOUSE,
    KIN,
    REC,
    UNPLANNED_RPC,
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

# Ethnicity of CLA at 31 March 2025 [file] DfE 2025 (White 71%, Mixed 11%, Black 8%, Asian 5%,
# other 4%, not known 1%), as SSDA903 ETHNIC codes; UASC: assumption.
ETHNIC = (
    ["WBRI", "WOTH", "MOTH", "BAFR", "AOTH", "OOTH", "NOBT"],
    np.cumsum([0.64, 0.07, 0.11, 0.08, 0.05, 0.04, 0.01]).tolist(),
)
ETHNIC_UASC = (["BAFR", "AOTH", "OOTH", "WOTH"], np.cumsum([0.35, 0.3, 0.3, 0.05]).tolist())

AGE_BAND_EDGES = np.array([1.0, 5.0, 10.0, 16.0])  # under 1, 1-4, 5-9, 10-15, 16-17
_AGE_EDGES = AGE_BAND_EDGES.tolist()


# Kinds of placement whose carers' approval may change (U6 -> U4: short-term to long-term).
_STATUS_KINDS = (INHOUSE, IFA, KIN)


def age_band(age_years: float) -> int:
    """DfE age band index: 0 under 1, 1 aged 1-4, 2 aged 5-9, 3 aged 10-15, 4 aged 16+."""
    return bisect.bisect_right(_AGE_EDGES, age_years)


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
# ceased in 2024-25 [file] DfE 2025 (FACTS §1.8).
EXIT_REASONS = {
    "short": (
        ["E4A", "E4B", "E13", "E41", "E3", "E8", "E14"],
        [0.42, 0.09, 0.15, 0.05, 0.14, 0.12, 0.03],
    ),
    "young_long": (
        ["E45", "E47", "E4A", "E41", "E3", "E13", "E8"],
        [0.25, 0.25, 0.22, 0.10, 0.08, 0.05, 0.05],
    ),
    "older_long": (
        ["E4A", "E45", "E47", "E13", "E3", "E8", "E4B", "E9"],
        [0.28, 0.08, 0.08, 0.15, 0.16, 0.15, 0.05, 0.05],
    ),
    "uasc": (["E15", "E8", "E3", "E16", "E13"], [0.25, 0.35, 0.20, 0.05, 0.15]),
    "at18": (["E5", "E6", "E8", "E7", "E13"], [0.62, 0.16, 0.10, 0.07, 0.05]),
    "adoption": (["E11", "E12"], [0.55, 0.45]),
}
_EXIT_TABLES = {
    k: ([REC[c] for c in codes], np.cumsum(np.array(p) / np.sum(p)).tolist())
    for k, (codes, p) in EXIT_REASONS.items()
}


_UNPLANNED_CUM = np.cumsum(UNPLANNED_RPC_SHARE).tolist()


def pick(cum, u: float) -> int:
    """Index chosen by uniform ``u`` from cumulative shares ``cum`` (a list or array)."""
    if not isinstance(cum, list):
        cum = list(map(float, cum))
    return min(bisect.bisect_right(cum, u), len(cum) - 1)


def exit_reason(route: str, u: float) -> int:
    """REC code index for a child leaving by ``route`` with uniform ``u``."""
    codes, cum = _EXIT_TABLES[route]
    return codes[pick(cum, u)]


class Child(mesa.Agent):
    """A child in care; its futures are fixed at entry from its own uniforms.

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

    def __init__(
        self, model: mesa.Model, cid: int, la: int, u=None, row: int | None = None
    ) -> None:
        super().__init__(model)
        t = getattr(model, "table", None)
        if t is None:  # a model without a table (unit tests of a lone child)
            t = model.table = ChildTable(16)
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

    # ---- placement futures ------------------------------------------------------------------
    def placement_uniforms(self) -> list[float]:
        """The four uniforms of the current draw (unplanned, planned, reason, status).

        Each scheduling of a placement event takes the next block of the child's own uniforms
        (past the last block they are remixed by an irrational rotation).
        """
        u = self.u
        n = self.n_draws
        slots = N_PLACEMENT_DRAWS
        s = PLACEMENT_SLOT + PER_PLACEMENT * (n % slots)
        v = u[s : s + PER_PLACEMENT]
        if n >= slots:
            shift = n * 0.3819660112501051
            v = [min(max((x * 1.618033988749895 + shift) % 1.0, 1e-12), 1 - 1e-12) for x in v]
        return v

    def event_uniforms(self) -> list[float]:
        """The uniforms of the draw that scheduled the pending placement event."""
        self.n_draws -= 1
        v = self.placement_uniforms()
        self.n_draws += 1
        return v

    def unplanned_hazard(
        self, kind: int, day: int, misfit: int, far: bool, grade: int, p: PlacementParams
    ) -> float:
        """Yearly hazard of an unplanned ending of a placement of ``kind`` starting on ``day``."""
        h = p.unplanned_rate[kind] * p.age_multiplier[age_band(self.age_years(day))]
        if misfit > 0:
            h *= p.misfit_multiplier**misfit
        if far:
            h *= p.distance_multiplier
        if grade >= 2:
            h *= p.quality_multiplier ** (grade - 1)
        return h

    def next_placement_event(
        self, kind: int, day: int, misfit: int, far: bool, grade: int, p: PlacementParams
    ) -> tuple[int, str]:
        """Day and type ("unplanned", "planned", "status") of this placement's next event.

        The compiled rule (``sim.agents.engine.next_event``): the unplanned ending at its
        Weibull time (``unplanned_hazard`` times the child's propensity, resumed where the
        placement's clock stands), the planned move (or the end of a short-term placement) and
        the carers' change of approval, whichever comes first. Each call takes the child's
        next block of uniforms. Returns (-1, "") when the placement lasts until the child
        leaves care.
        """
        from sim.agents import engine

        pp, rates = engine.hazard_params(p)
        t = self._t
        when, what = engine.next_event(
            t.kernel_view, self.row, kind, day, misfit, far, grade, pp, *rates
        )
        return int(when), PENDING[what]

    def unplanned_reason(self, u: float) -> str:
        """SSDA903 REASON_PLACE_CHANGE of an unplanned ending, by the observed shares."""
        return UNPLANNED_RPC[pick(_UNPLANNED_CUM, u)]


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
