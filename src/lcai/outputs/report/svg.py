"""Small, self-contained SVG charts for reports: no scripts, no fonts, no network.

Each function returns one ``<svg>`` element as text, with a title, axis labels
with units, and colours from the Okabe-Ito palette (distinguishable with the
common colour-vision deficiencies: Okabe and Ito 2008, "Color Universal
Design"). The same SVG is inlined in the HTML report and written as files
beside the Markdown report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lcai.fmt import axis_number as tick
from lcai.text import html_text as escape

__all__ = ["PALETTE", "Flow", "bar_chart", "interval_chart", "sankey", "tornado_chart"]

PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",
)
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * 10**exp >= v:
            return float(m * 10**exp)
    return float(10 ** (exp + 1))


def _open(width: int, height: int, title: str, name: str) -> list[str]:
    return [
        f'<svg class="chart" data-chart="{escape(name)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" {_FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="20" font-size="14" font-weight="600">{escape(title)}</text>',
    ]


def _x_axis(left: float, plot_w: float, axis_y: float, vmax: float, label: str) -> list[str]:
    """A horizontal axis from 0 to ``vmax`` with five ticks and its label (with the unit)."""
    out = [f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#555"/>']
    for k in range(5):
        x = left + plot_w * k / 4
        out.append(
            f'<text x="{x:.1f}" y="{axis_y + 14}" font-size="10" text-anchor="middle" '
            f'fill="#555">{tick(vmax * k / 4)}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{axis_y + 30}" font-size="11" '
        f'text-anchor="middle" fill="#333">{escape(label)}</text>'
    )
    return out


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    unit: str,
    name: str,
    colors: Sequence[str] = PALETTE,
    width: int = 520,
) -> str:
    """Horizontal bars, one per label, with the value and unit written at the end."""
    row, top, left = 28, 44, 130
    height = top + row * len(labels) + 40
    plot_w = width - left - 90
    vmax = _nice_max(max([abs(v) for v in values] + [0.0]))
    out = _open(width, height, title, name)
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        w = plot_w * abs(v) / vmax if vmax else 0
        out.append(
            f'<text x="{left - 8}" y="{y + 17}" font-size="12" text-anchor="end">'
            f"{escape(lab)}</text>"
        )
        out.append(
            f'<rect class="bar" x="{left}" y="{y + 4}" width="{w:.2f}" height="{row - 8}" '
            f'fill="{colors[i % len(colors)]}"><title>{escape(lab)}: {tick(v)} {escape(unit)}'
            "</title></rect>"
        )
        out.append(
            f'<text x="{left + w + 6:.2f}" y="{y + 17}" font-size="12">{tick(v)} '
            f"{escape(unit)}</text>"
        )
    out += _x_axis(left, plot_w, top + row * len(labels) + 4, vmax, unit)
    out.append("</svg>")
    return "\n".join(out)


def interval_chart(
    labels: Sequence[str],
    p5: Sequence[float],
    p50: Sequence[float],
    p95: Sequence[float],
    *,
    title: str,
    unit: str,
    name: str,
    width: int = 520,
) -> str:
    """Uncertainty bands: a p5-p95 bar per label with the median marked."""
    row, top, left = 28, 44, 130
    height = top + row * len(labels) + 40
    plot_w = width - left - 30
    vmax = _nice_max(max([*p95, 0.0]))
    out = _open(width, height, title, name)
    for i, lab in enumerate(labels):
        y = top + i * row + row / 2
        x5, x50, x95 = (left + plot_w * v / vmax for v in (p5[i], p50[i], p95[i]))
        out.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
            f"{escape(lab)}</text>"
        )
        out.append(
            f'<rect class="band" x="{x5:.2f}" y="{y - 7:.1f}" width="{max(x95 - x5, 1):.2f}" '
            f'height="14" fill="{PALETTE[4]}" opacity="0.8"><title>{escape(lab)}: p5 '
            f"{tick(p5[i])}, p50 {tick(p50[i])}, p95 {tick(p95[i])} {escape(unit)}</title></rect>"
        )
        out.append(
            f'<line x1="{x50:.2f}" y1="{y - 9:.1f}" x2="{x50:.2f}" y2="{y + 9:.1f}" '
            f'stroke="{PALETTE[0]}" stroke-width="3"/>'
        )
    out += _x_axis(
        left, plot_w, top + row * len(labels) + 4, vmax,
        f"{unit} (bar: p5 to p95; line: median)",
    )  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)


def tornado_chart(
    labels: Sequence[str],
    low: Sequence[float],
    high: Sequence[float],
    base: float,
    *,
    title: str,
    unit: str,
    name: str,
    width: int = 620,
) -> str:
    """One-at-a-time sensitivity: the output with each input at its p5 and p95."""
    row, top, left = 26, 44, 250
    height = top + row * len(labels) + 44
    plot_w = width - left - 20
    lo = min([*low, *high, base])
    hi = max([*low, *high, base])
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.05 * span, hi + 0.05 * span

    def x(v: float) -> float:
        return left + plot_w * (v - lo) / (hi - lo)

    out = _open(width, height, title, name)
    for i, lab in enumerate(labels):
        y = top + i * row
        a, b = x(low[i]), x(high[i])
        out.append(
            f'<text x="{left - 8}" y="{y + 16}" font-size="11" text-anchor="end">'
            f"{escape(lab)}</text>"
        )
        for v, xv, color, which in ((low[i], a, PALETTE[0], "p5"), (high[i], b, PALETTE[5], "p95")):
            x0, x1 = sorted((x(base), xv))
            out.append(
                f'<rect class="bar" x="{x0:.2f}" y="{y + 4}" width="{max(x1 - x0, 1):.2f}" '
                f'height="{row - 8}" fill="{color}"><title>{escape(lab)} at its {which}: '
                f"{tick(v)} {escape(unit)}</title></rect>"
            )
    axis_y = top + row * len(labels) + 4
    out.append(
        f'<line x1="{x(base):.2f}" y1="{top}" x2="{x(base):.2f}" y2="{axis_y}" stroke="#333" '
        'stroke-dasharray="3 2"/>'
    )
    out.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#555"/>'
    )
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(
            f'<text x="{x(v):.1f}" y="{axis_y + 14}" font-size="10" text-anchor="middle" '
            f'fill="#555">{tick(v)}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{axis_y + 32}" font-size="11" '
        f'text-anchor="middle" fill="#333">{escape(unit)} (blue: input at p5; vermillion: '
        "at p95; dashed: point value)</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class Flow:
    """A flow of ``value`` from node ``source`` (column ``col``) to ``target`` (column + 1)."""

    col: int
    source: str
    target: str
    value: float


def sankey(
    flows: Sequence[Flow],
    *,
    title: str,
    unit: str,
    name: str,
    notes: dict[str, str] | None = None,
    width: int = 760,
    height: int = 340,
) -> str:
    """A left-to-right flow diagram; node heights and link widths are proportional to value.

    ``notes`` adds a second line under a node's label (e.g. its carbon and water).
    """
    notes = notes or {}
    cols = max((f.col for f in flows), default=0) + 2
    inflow: list[dict[str, float]] = [{} for _ in range(cols)]
    outflow: list[dict[str, float]] = [{} for _ in range(cols)]
    for f in flows:
        outflow[f.col][f.source] = outflow[f.col].get(f.source, 0.0) + f.value
        inflow[f.col + 1][f.target] = inflow[f.col + 1].get(f.target, 0.0) + f.value
    # a node's size is the larger of what flows in and what flows out
    nodes: list[dict[str, float]] = []
    for c in range(cols):
        names = list(dict.fromkeys([*inflow[c], *outflow[c]]))
        nodes.append({n: max(inflow[c].get(n, 0.0), outflow[c].get(n, 0.0)) for n in names})
    top, bottom, gap, node_w = 40, 20, 30, 14
    avail = height - top - bottom
    total = max((sum(col.values()) for col in nodes if col), default=1.0) or 1.0
    max_nodes = max(len(c) for c in nodes)
    scale = (avail - gap * (max_nodes - 1)) / total
    xs = [20 + (width - 200 - node_w) * c / (cols - 1) for c in range(cols)]
    pos: list[dict[str, float]] = []
    for col in nodes:
        y: float = top
        p: dict[str, float] = {}
        for n, v in col.items():
            p[n] = y
            y += v * scale + gap
        pos.append(p)
    out = _open(width, height, title, name)
    out_off = [dict.fromkeys(col, 0.0) for col in nodes]
    in_off = [dict.fromkeys(col, 0.0) for col in nodes]
    for i, f in enumerate(flows):
        h = f.value * scale
        y0 = pos[f.col][f.source] + out_off[f.col][f.source] + h / 2
        y1 = pos[f.col + 1][f.target] + in_off[f.col + 1][f.target] + h / 2
        out_off[f.col][f.source] += h
        in_off[f.col + 1][f.target] += h
        x0, x1 = xs[f.col] + node_w, xs[f.col + 1]
        xm = (x0 + x1) / 2
        out.append(
            f'<path class="link" d="M{x0:.1f},{y0:.1f} C{xm:.1f},{y0:.1f} {xm:.1f},{y1:.1f} '
            f'{x1:.1f},{y1:.1f}" fill="none" stroke="{PALETTE[i % 6]}" stroke-opacity="0.45" '
            f'stroke-width="{max(h, 1):.2f}"><title>{escape(f.source)} to {escape(f.target)}: '
            f"{tick(f.value)} {escape(unit)}</title></path>"
        )
    for c, col in enumerate(nodes):
        for n, v in col.items():
            y = pos[c][n]
            h = max(v * scale, 2)
            out.append(
                f'<rect class="node" x="{xs[c]:.1f}" y="{y:.1f}" width="{node_w}" '
                f'height="{h:.1f}" fill="#444"><title>{escape(n)}: {tick(v)} {escape(unit)}'
                "</title></rect>"
            )
            tx: float = xs[c] + node_w + 4 if c < cols - 1 else xs[c] + 18
            anchor = "start"
            ty: float = y + min(h, 30) / 2 + 4
            if 0 < c < cols - 1:
                anchor, tx, ty = "middle", xs[c] + node_w / 2, y - 4
            out.append(
                f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="11" text-anchor="{anchor}">'
                f"{escape(n)} ({tick(v)} {escape(unit)})</text>"
            )
            if n in notes:
                out.append(
                    f'<text x="{tx:.1f}" y="{ty + 13:.1f}" font-size="10" fill="#444" '
                    f'text-anchor="{anchor}">{escape(notes[n])}</text>'
                )
    out.append("</svg>")
    return "\n".join(out)
