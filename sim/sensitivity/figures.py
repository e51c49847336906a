"""Figures of a sensitivity analysis: factors ranked by their index, with intervals, in words.

This module owns the figures ``experiments/sensitivity.py`` writes: for each output, one
horizontal bar per factor (labelled in words), longest first, with its 90% interval as a
whisker; Morris's mu* alone, Sobol's first-order and total-order indices side by side.
Colour-blind-safe colours (Okabe-Ito).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

COLOURS = {"mu_star": "#0072B2", "S1": "#56B4E9", "ST": "#0072B2"}
INDEX_WORDS = {
    "mu_star": "mean absolute elementary effect (mu*)",
    "S1": "first order (alone)",
    "ST": "total order (with interactions)",
}


def output_words(output: str) -> str:
    """An outcome in words, with its unit, from the page's outcome list."""
    from sim.page.outcomes import BY_KEY

    o = BY_KEY.get(output)
    return f"{o.label} ({o.unit})" if o else output.replace("_", " ")


def output_factor(output: str) -> float:
    """What turns the outcome into its unit in words (shares to points, pounds to £m)."""
    from sim.page.outcomes import BY_KEY

    o = BY_KEY.get(output)
    return o.factor if o else 1.0


def ranked_bars(table: pd.DataFrame, rank_by: str, folder: Path, what: str) -> list[Path]:
    """One PNG per output in ``folder``: factors ranked by ``rank_by`` (mu_star or ST)."""
    folder.mkdir(parents=True, exist_ok=True)
    method = str(table["method"].iloc[0])
    shown = ["mu_star"] if method == "morris" else ["S1", "ST"]
    paths = []
    for output, g in table.groupby("output", sort=False):
        order = (
            g[g["index"] == rank_by].sort_values("value", kind="stable")["factor"].tolist()
        )  # smallest first: the largest is drawn at the top
        labels = g.drop_duplicates("factor").set_index("factor").loc[order, "label"]
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(order) + 1.6))
        height = 0.8 / len(shown)
        scale = output_factor(str(output)) if method == "morris" else 1.0
        for n, index in enumerate(shown):
            rows = g[g["index"] == index].set_index("factor").loc[order]
            rows = rows[["value", "lower", "upper"]] * scale
            y = np.arange(len(order)) + (n - (len(shown) - 1) / 2) * height
            err = np.vstack(
                [
                    (rows["value"] - rows["lower"]).clip(lower=0),
                    (rows["upper"] - rows["value"]).clip(lower=0),
                ]
            )
            ax.barh(
                y, rows["value"], height=height, xerr=err, color=COLOURS[index],
                label=INDEX_WORDS[index], capsize=2, error_kw={"elinewidth": 0.8},
            )  # fmt: skip
        ax.set_yticks(np.arange(len(order)), labels.tolist(), fontsize=8)
        ax.axvline(0, color="#333333", linewidth=0.6)
        if method == "morris":
            label = f"change in {output_words(str(output))} over the factor's range"
        else:
            label = "share of the variance over the factors' ranges"
        ax.set_xlabel(label, fontsize=8)
        ax.set_title(
            f"What drives the {what.replace('_', ' ')}:\n{output_words(str(output))}\n"
            f"{'Morris screening' if method == 'morris' else 'Sobol indices'}, 90% intervals",
            fontsize=9,
        )
        ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        path = folder / f"{method}_{output}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
