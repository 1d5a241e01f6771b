"""The report's charts, drawn by matplotlib as SVG with the text left as text.

The PDF renderer (WeasyPrint) then sets that text with the system's CJK font through
fontconfig (Noto Sans CJK SC on Debian's fonts-noto-cjk) and embeds it, so Chinese labels print
as characters, not boxes, and stay extractable. The web dashboards draw with ECharts instead
(`static/monitor/`); only the documents need server-side charts.
"""

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "DejaVu Sans"]
COLOURS = ["#b3261e", "#1f6feb", "#2e7d32", "#b26a00", "#6e40c9"]
matplotlib.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif",
                            "font.sans-serif": FONTS, "axes.unicode_minus": False})


def _learn_fonts_installed_since_the_cache():
    # matplotlib scans the system's fonts once and caches the list; a CJK font installed after
    # that (the machine set up in that order) stays unknown, and the layout measures Chinese
    # with DejaVu's empty boxes. Only then are the new files added.
    known = {font.name for font in font_manager.fontManager.ttflist}
    if known.intersection(FONTS[:-1]):
        return
    cached = {font.fname for font in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in cached:
            font_manager.fontManager.addfont(path)


_learn_fonts_installed_since_the_cache()


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()


def lines(title: str, days: list[str], series: dict[str, list]) -> str:
    """One line per series (label → values) over the days (ISO dates)."""
    figure = Figure(figsize=(7.5, 2.8))
    axes = figure.subplots()
    labels = [d[5:] for d in days]
    for (label, values), colour in zip(series.items(), COLOURS, strict=False):
        axes.plot(labels, values, label=label, color=colour, linewidth=1.6, marker="o",
                  markersize=2.5)
    axes.set_title(title, fontsize=11)
    axes.legend(fontsize=8, frameon=False)
    axes.tick_params(labelsize=7)
    axes.set_xticks(labels[:: max(1, len(labels) // 10)])
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#d0d7de", linewidth=0.5)
    return _svg(figure)


def bars(title: str, labels: list[str], series: dict[str, list]) -> str:
    """Horizontal grouped bars: one group per label, one bar per series."""
    figure = Figure(figsize=(7.5, max(1.6, 0.32 * len(labels) * max(1, len(series)) + 0.8)))
    axes = figure.subplots()
    height = 0.8 / max(1, len(series))
    positions = list(range(len(labels)))
    for index, ((name, values), colour) in enumerate(zip(series.items(), COLOURS,
                                                         strict=False)):
        axes.barh([p + index * height for p in positions], values, height=height, label=name,
                  color=colour)
    axes.set_yticks([p + height * (len(series) - 1) / 2 for p in positions], labels,
                    fontsize=8)
    axes.invert_yaxis()
    axes.set_title(title, fontsize=11)
    axes.legend(fontsize=8, frameon=False)
    axes.tick_params(axis="x", labelsize=7)
    return _svg(figure)
