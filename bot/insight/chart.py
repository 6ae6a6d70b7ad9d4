"""The /overzicht chart, drawn with matplotlib (replacing a hand-written PNG encoder): reports per category, this period against the
same period a year earlier, read at a glance.

Category names on the axis, the number on every bar ("<3" where a count is hidden: no bar is
drawn for it, so its height gives nothing away), a legend and a title with the area and the
period. Nothing to draw when every cell is hidden or empty: then there is no chart at all.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: render to PNG only

from matplotlib import pyplot as plt

SERIES_COLOURS = ("#1f77b4", "#ff9f40")  # this period, last year
HIDDEN = "<3"


@dataclass(frozen=True, slots=True)
class Series:
    label: str  # "deze periode", "vorig jaar" (already translated)
    values: Sequence[int | None]  # None: a hidden small cell


def has_anything(series: Sequence[Series]) -> bool:
    """Is there a bar to draw: a shown count above zero somewhere?"""
    return any(v for s in series for v in s.values if v is not None)


def bar_chart_png(title: str, categories: Sequence[str], series: Sequence[Series], *,
                  hidden_label: str = HIDDEN, width_px: int = 1000, height_px: int = 560) -> bytes | None:
    """Grouped horizontal-label bars, one group per category; None when there is nothing to draw."""
    if not categories or not has_anything(series):
        return None
    # Imported here: matplotlib costs memory and start-up time that only a chart needs. The
    # Agg backend renders to PNG without a display, and brings its own font (DejaVu Sans).
    import matplotlib

    matplotlib.use("Agg")

    dpi = 100
    figure, axes = plt.subplots(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    try:
        groups = len(categories)
        bar_width = 0.8 / max(len(series), 1)
        top = max(v for s in series for v in s.values if v is not None)
        for index, one in enumerate(series):
            offsets = [g - 0.4 + bar_width * (index + 0.5) for g in range(groups)]
            heights = [v or 0 for v in one.values]
            bars = axes.bar(offsets, heights, bar_width, label=one.label,
                            color=SERIES_COLOURS[index % len(SERIES_COLOURS)])
            labels = [hidden_label if v is None else str(v) for v in one.values]
            axes.bar_label(bars, labels=labels, padding=2, fontsize=10)
        axes.set_xticks(range(groups))
        axes.set_xticklabels([textwrap.fill(c, 14) for c in categories], fontsize=10)
        axes.set_ylim(0, top * 1.18 + 1)
        axes.set_ylabel("")
        axes.yaxis.set_visible(False)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.legend(loc="upper right", frameon=False)
        axes.set_title(title, fontsize=13, loc="left", pad=12)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
