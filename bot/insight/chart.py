"""A dependency-free PNG bar chart: this period against the same period a year earlier.

Labels and numbers go in the message caption (the chart is a picture of proportions), so no
font is embedded: grouped bars in two colours on a light grid.
"""

from __future__ import annotations

import struct
import zlib

BACKGROUND = (255, 255, 255)
GRID = (225, 228, 232)
SERIES_COLOURS = ((31, 119, 180), (255, 160, 64))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bar_chart_png(labels: list[str], series: list[tuple[str, list[int]]], width: int = 800, height: int = 400) -> bytes:
    """Grouped bars: one group per label, one bar per series (at most two colours used in turn)."""
    pixels = [bytearray(BACKGROUND * width) for _ in range(height)]
    margin = 20
    plot_h = height - 2 * margin
    top = max([v for _, values in series for v in values] + [1])
    for step in range(1, 5):  # horizontal grid lines at quarters
        y = margin + plot_h - plot_h * step // 4
        row = pixels[y]
        for x in range(margin, width - margin):
            row[3 * x: 3 * x + 3] = bytes(GRID)
    groups = max(len(labels), 1)
    group_w = (width - 2 * margin) / groups
    bar_w = max(2, int(group_w * 0.8 / max(len(series), 1)))
    for g in range(len(labels)):
        for s, (_, values) in enumerate(series):
            value = values[g] if g < len(values) else 0
            bar_h = int(plot_h * value / top)
            x0 = int(margin + g * group_w + group_w * 0.1 + s * bar_w)
            colour = bytes(SERIES_COLOURS[s % len(SERIES_COLOURS)])
            for y in range(margin + plot_h - bar_h, margin + plot_h):
                row = pixels[y]
                row[3 * x0: 3 * (x0 + bar_w)] = colour * bar_w
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")
