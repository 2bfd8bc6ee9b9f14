"""Monthly counts and their charts (server-side SVG: the desk machine may be offline, so no CDN)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scamscope.web.models import Case, Indicator, Scan, Sighting

Series = Sequence[tuple[str, str, str]]  # (key, label, colour)


def month_starts(end: date, n: int) -> list[date]:
    """First days of the ``n`` months ending with ``end``'s month, oldest first."""
    y, m = end.year, end.month
    out = []
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def local_month_start_utc(today: date, tz: str) -> datetime:
    """The start of ``today``'s month in ``tz``, as naive UTC (how times are stored)."""
    start = datetime(today.year, today.month, 1, tzinfo=ZoneInfo(tz))
    return start.astimezone(UTC).replace(tzinfo=None)


def case_counts(db: Session, end: date, n: int = 12) -> list[tuple[str, dict[str, int]]]:
    months = month_starts(end, n)
    counts: dict[str, dict[str, int]] = {_key(m): {} for m in months}
    rows = db.execute(select(Case.opened_on, Case.category).where(Case.opened_on >= months[0]))
    for opened_on, category in rows:
        bucket = counts.get(_key(opened_on))
        if bucket is not None:
            bucket[category] = bucket.get(category, 0) + 1
    return list(counts.items())


def scan_counts(db: Session, end: date, tz: str, n: int = 12) -> list[tuple[str, dict[str, int]]]:
    months = month_starts(end, n)
    zone = ZoneInfo(tz)
    counts: dict[str, dict[str, int]] = {_key(m): {} for m in months}
    since = local_month_start_utc(months[0], tz)
    for created_at, verdict in db.execute(select(Scan.created_at, Scan.verdict).where(Scan.created_at >= since, Scan.verdict.is_not(None))):
        local = created_at.replace(tzinfo=UTC).astimezone(zone)
        bucket = counts.get(f"{local.year:04d}-{local.month:02d}")
        if bucket is not None and verdict:
            bucket[verdict] = bucket.get(verdict, 0) + 1
    return list(counts.items())


def top_indicators(db: Session, kind: str, since: datetime, limit: int = 10) -> list[tuple[Indicator, int]]:
    """Indicators of ``kind`` seen in the most scans since ``since`` (naive UTC)."""
    n = func.count(Sighting.id).label("n")
    query = (
        select(Indicator, n)
        .join(Sighting, Sighting.indicator_id == Indicator.id)
        .where(Indicator.kind == kind, Sighting.seen_at >= since)
        .group_by(Indicator.id)
        .order_by(n.desc(), Indicator.value)
        .limit(limit)
    )
    return [(ind, count) for ind, count in db.execute(query)]


def _nice_max(value: int) -> tuple[int, int]:
    """Axis maximum and tick step for counts up to ``value``."""
    if value <= 5:
        return max(value, 1), 1
    raw = value / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 5, 10) if s * mag >= raw)
    step = max(1, int(step))
    return int(math.ceil(value / step) * step), step


def bar_chart(data: list[tuple[str, dict[str, int]]], series: Series, title: str, width: int = 760, height: int = 300) -> Markup:
    """A stacked bar chart per month as inline SVG; each segment has a tooltip and data attributes."""
    left, right, top, bottom = 44, 12, 40, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(c.get(key, 0) for key, _, _ in series) for _, c in data]
    ymax, step = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(data), 1)
    bar_w = slot * 0.62
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
    ]
    x = left  # legend
    for _series_key, label, colour in series:
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="18" class="legend">{escape(label)}</text>')
        x += 24 + sum(13 if unicodedata.east_asian_width(ch) in "WF" else 7 for ch in label)
    for tick in range(0, ymax + 1, step):
        y = top + plot_h - plot_h * tick / ymax
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{tick}</text>')
    for i, (month, counts) in enumerate(data):
        bx = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for key, label, colour in series:
            n = counts.get(key, 0)
            if not n:
                continue
            h = plot_h * n / ymax
            y -= h
            parts.append(
                f'<rect x="{bx:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}" '
                f'data-month="{month}" data-series="{escape(key)}" data-count="{n}"><title>{month} {escape(label)}: {n}</title></rect>'
            )
        if totals[i]:
            parts.append(f'<text x="{bx + bar_w / 2:.1f}" y="{y - 4:.1f}" class="total" text-anchor="middle">{totals[i]}</text>')
        parts.append(f'<text x="{bx + bar_w / 2:.1f}" y="{height - bottom + 16}" class="axis" text-anchor="middle">{month[2:]}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" class="base"/>')
    parts.append("</svg>")
    return Markup("".join(parts))

