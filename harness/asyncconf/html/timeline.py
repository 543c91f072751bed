"""SVG timelines of traces: one time axis for every language and transport of a scenario.

Each lane is one answer (or the scenario's expectations). Within a lane, each operation call is
a bar from its ``call`` to the event that ended it (``ok``, ``fail``, ``cancel``), each resource
a bar from ``open`` to ``close``; calls are packed into as few rows as do not overlap, so a
sequential retry is one row and ten calls in flight are ten. Every trace event is drawn as an
element of its own carrying ``data-ev``, ``data-t``, ``data-key``, ``data-n`` (the browser test
counts them against the trace); a lane's ``data-events`` is its trace's length and
``data-drawn`` how many of them are drawn (a runaway anti-pattern is cut at ``MAX_EVENTS``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from ..checker import compact

#: Beyond this many events a lane is cut (a retry without a cap makes a thousand calls).
MAX_EVENTS = 160

WIDTH = 1180
LABEL_W = 180
RIGHT_PAD = 170  # room for the outcome label right of the settle mark
ROW_H = 13
LANE_PAD = 7
AXIS_H = 24
ENDS = ("ok", "fail", "cancel")


@dataclass
class Lane:
    """One row group of the timeline: an answer, or the expectations (``expected=True``)."""

    label: str
    trace: list[dict[str, Any]] = field(default_factory=list)
    elapsed_ms: int | None = None
    outcome: Any = None
    status: str = ""  # pass | fail | error | skip | expected
    note: str = ""  # shown under the label (runtime version, "differs from ...")
    anchor: str = ""
    run: str = ""  # ``pattern/scenario/lang/transport/impl`` of the answer drawn (``data-run``)
    expected: bool = False
    #: expectations only: event -> key -> times (calls_at_ms, cancelled_at_ms, closed_at_ms)
    expected_times: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    elapsed_range: tuple[int, int] | None = None


@dataclass
class _Bar:
    key: str
    n: int
    kind: str  # call | resource
    start: int
    end: int | None
    end_ev: str | None
    events: list[dict[str, Any]]
    row: int = 0


def _bars(trace: Sequence[dict[str, Any]]) -> tuple[list[_Bar], list[dict[str, Any]]]:
    """Calls and resources as bars; events that match no start (a lone ``ok``) are returned apart."""
    bars: list[_Bar] = []
    open_bars: dict[tuple[str, str, int], _Bar] = {}
    loose: list[dict[str, Any]] = []
    for event in trace:
        ev, key, n, t = event.get("ev"), str(event.get("key")), int(event.get("n") or 0), int(event.get("t") or 0)
        if ev in ("call", "open"):
            bar = _Bar(key, n, "call" if ev == "call" else "resource", t, None, None, [event])
            bars.append(bar)
            open_bars[(bar.kind, key, n)] = bar
        elif ev in (*ENDS, "close"):
            bar_or_none = open_bars.pop(("resource" if ev == "close" else "call", key, n), None)
            if bar_or_none is None:
                loose.append(event)
                continue
            bar_or_none.end, bar_or_none.end_ev = t, str(ev)
            bar_or_none.events.append(event)
        else:
            loose.append(event)
    return bars, loose


def _pack(bars: list[_Bar]) -> int:
    """Rows: resources first, then calls, each in the first row free at its start; the row count."""
    rows_end: list[float] = []
    rows_kind: list[str] = []
    for bar in sorted(bars, key=lambda b: (b.kind != "resource", b.start)):
        end = math.inf if bar.end is None else bar.end
        for index, last in enumerate(rows_end):
            if rows_kind[index] == bar.kind and (last < bar.start or (last == bar.start and end > bar.start)):
                bar.row, rows_end[index] = index, end
                break
        else:
            bar.row = len(rows_end)
            rows_end.append(end)
            rows_kind.append(bar.kind)
    return len(rows_end)


def _nice_step(span: float) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving five to ten ticks."""
    raw = max(span / 8, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def _attr(value: Any) -> str:
    return str(escape(str(value)))


def axis_end(lanes: Sequence[Lane], cancel_at_ms: int | None) -> int:
    """The last millisecond worth showing: the latest event, settle, expectation or cancel."""
    latest = [cancel_at_ms or 0, 1]
    for lane in lanes:
        latest += [int(e.get("t") or 0) for e in lane.trace[:MAX_EVENTS]]
        latest.append(lane.elapsed_ms or 0)
        latest += [t for times in lane.expected_times.values() for ts in times.values() for t in ts]
        if lane.elapsed_range:
            latest.append(lane.elapsed_range[1])
    return max(latest)


def render(lanes: Sequence[Lane], *, cancel_at_ms: int | None, title: str, end_ms: int | None = None) -> Markup:
    """The SVG of ``lanes`` on one time axis from 0 to ``end_ms`` (default: what they need)."""
    end = max(end_ms or axis_end(lanes, cancel_at_ms), 1)
    plot_w = WIDTH - LABEL_W - RIGHT_PAD

    def x(t: float) -> float:
        return round(LABEL_W + plot_w * min(max(t, 0), end) / end, 2)

    parts: list[str] = []
    y = AXIS_H
    for lane in lanes:
        parts.append(_lane(lane, y, x, end))
        y += _lane_height(lane)
    height = y + 6
    step = _nice_step(end)
    ticks = []
    for t in range(0, end + 1, step):
        ticks.append(
            f'<line class="grid" x1="{x(t)}" y1="{AXIS_H - 4}" x2="{x(t)}" y2="{height - 6}"/>'
            f'<text class="tick" x="{x(t)}" y="{AXIS_H - 8}">{t}</text>'
        )
    ticks.append(f'<text class="unit" x="{LABEL_W - 8}" y="{AXIS_H - 8}">ms</text>')
    cancel = ""
    if cancel_at_ms is not None:
        cancel = (
            f'<g class="caller-cancel" data-t="{cancel_at_ms}"><title>the caller cancels at {cancel_at_ms} ms</title>'
            f'<line x1="{x(cancel_at_ms)}" y1="{AXIS_H - 4}" x2="{x(cancel_at_ms)}" y2="{height - 6}"/>'
            f'<text x="{x(cancel_at_ms) + 3}" y="{height - 1}">caller cancels @{cancel_at_ms}</text></g>'
        )
    svg = (
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height + 10}" '
        f'viewBox="0 0 {WIDTH} {height + 10}" data-end-ms="{end}"><title>{_attr(title)}</title>'
        + "".join(ticks)
        + "".join(parts)
        + cancel
        + "</svg>"
    )
    return Markup(svg)


def _rows(lane: Lane) -> int:
    if lane.expected:
        return max(1, sum(len(keys) for keys in lane.expected_times.values()))
    bars, _loose = _bars(lane.trace[:MAX_EVENTS])
    return max(1, _pack(bars))


def _lane_height(lane: Lane) -> int:
    """The lane's rows, one more for where it settled, and room for its two-line label."""
    return max((_rows(lane) + 1) * ROW_H, 30) + 2 * LANE_PAD


def _lane(lane: Lane, top: int, x: Any, end: int) -> str:
    height = _lane_height(lane)
    drawn_events = lane.trace[:MAX_EVENTS]
    classes = f"lane status-{lane.status or 'none'}" + (" expected" if lane.expected else "")
    out = [
        f'<g class="{classes}" id="{_attr(lane.anchor)}" data-label="{_attr(lane.label)}" data-run="{_attr(lane.run)}" '
        f'data-events="{len(lane.trace)}" data-drawn="{len(drawn_events)}">'
        f'<rect class="lane-bg" x="0" y="{top}" width="{WIDTH}" height="{height}"/>'
        f'<text class="lane-label" x="6" y="{top + 17}">{_attr(lane.label)}</text>'
    ]
    if lane.note:
        out.append(f'<text class="lane-note" x="6" y="{top + 30}">{_attr(lane.note)}</text>')
    row_top = top + LANE_PAD
    if lane.expected:
        out.append(_expected_marks(lane, row_top, x))
    else:
        bars, loose = _bars(drawn_events)
        _pack(bars)
        for bar in bars:
            out.append(_bar(bar, row_top, x, lane.elapsed_ms, end))
        for event in loose:
            t = int(event.get("t") or 0)
            out.append(_event(event, x(t), row_top + ROW_H / 2))
        if len(lane.trace) > len(drawn_events):
            out.append(
                f'<text class="cut" x="{x(end)}" y="{top + height - 3}" text-anchor="end">'
                f"{len(lane.trace) - len(drawn_events)} more events not drawn</text>"
            )
    settle_y = row_top + _rows(lane) * ROW_H + ROW_H / 2
    if lane.elapsed_ms is not None or lane.elapsed_range:
        out.append(_settle(lane, settle_y, x))
    elif not lane.expected and lane.status not in ("skip", ""):
        out.append(f'<text class="outcome" x="{x(end) + 8}" y="{settle_y + 4}">{_attr(_outcome(lane))}</text>')
    out.append("</g>")
    return "".join(out)


def _outcome(lane: Lane) -> str:
    outcome = lane.outcome
    if outcome is None:
        return "no answer"
    if isinstance(outcome, dict) and outcome.get("unfinished"):
        return "never settled"
    if isinstance(outcome, dict) and "ok" in outcome:
        return f"ok {compact(outcome['ok'])}"[:40]
    if isinstance(outcome, dict) and "fail" in outcome:
        text = f"fail {outcome['fail']}" + (f" from {outcome['from']}" if "from" in outcome else "")
        return text[:40]
    return compact(outcome)[:40]


def _settle(lane: Lane, mid: float, x: Any) -> str:
    if lane.elapsed_range and lane.elapsed_range[0] != lane.elapsed_range[1]:
        low, high = lane.elapsed_range
        mark = f'<rect class="settle-range" x="{x(low)}" y="{mid - 5}" width="{max(x(high) - x(low), 2)}" height="10"/>'
        at, label_x = f"{low}-{high}", x(high)
    else:
        t = lane.elapsed_ms if lane.elapsed_ms is not None else (lane.elapsed_range or (0, 0))[0]
        px = x(t)
        mark = f'<path class="settle-mark" d="M{px} {mid - 5} L{px + 5} {mid} L{px} {mid + 5} L{px - 5} {mid} Z"/>'
        at, label_x = str(t), px
    return (
        f'<g class="settle" data-t="{_attr(at)}"><title>settles at {_attr(at)} ms: {_attr(_outcome(lane))}</title>'
        f'{mark}<text class="outcome" x="{label_x + 9}" y="{mid + 4}">{_attr(_outcome(lane))}</text></g>'
    )


def _bar(bar: _Bar, row_top: int, x: Any, settled: int | None, end: int) -> str:
    y = row_top + bar.row * ROW_H
    x0 = x(bar.start)
    stop = bar.end if bar.end is not None else end
    x1 = max(x(stop), x0 + 1.5)
    state = bar.end_ev or "running"
    what = f"{bar.key}#{bar.n}" if bar.kind == "call" else f"resource {bar.key}#{bar.n}"
    span = f"{bar.start}-{bar.end} ms" if bar.end is not None else f"from {bar.start} ms, never ended"
    out = [
        f'<g class="bar {bar.kind} end-{state}" data-key="{_attr(bar.key)}" data-n="{bar.n}">'
        f"<title>{_attr(what)}: {state} ({_attr(span)})</title>"
        f'<rect x="{x0}" y="{y + 2}" width="{round(x1 - x0, 2)}" height="{ROW_H - 4}" rx="2"/>'
    ]
    if x1 - x0 > 26:
        out.append(f'<text class="bar-label" x="{x0 + 3}" y="{y + ROW_H - 3.5}">{_attr(what)}</text>')
    for event in bar.events:
        t = int(event.get("t") or 0)
        out.append(_event(event, x(t), y + ROW_H / 2))
    out.append("</g>")
    return "".join(out)


def _event(event: dict[str, Any], px: float, cy: float) -> str:
    ev = str(event.get("ev"))
    key, n, t = event.get("key"), event.get("n"), event.get("t")
    kind = f" ({event['kind']})" if event.get("kind") else ""
    data = (
        f'class="ev ev-{_attr(ev)}" data-ev="{_attr(ev)}" data-t="{_attr(t)}" data-key="{_attr(key)}" '
        f'data-n="{_attr(n)}"' + (f' data-kind="{_attr(event["kind"])}"' if event.get("kind") else "")
    )
    tip = f"<title>{_attr(t)} ms: {_attr(ev)} {_attr(key)}#{_attr(n)}{_attr(kind)}</title>"
    if ev in ("call", "open"):
        return f'<line {data} x1="{px}" y1="{cy - 6}" x2="{px}" y2="{cy + 6}">{tip}</line>'
    if ev == "ok":
        return f'<circle {data} cx="{px}" cy="{cy}" r="3.5">{tip}</circle>'
    if ev == "fail":
        d = f"M{px - 4} {cy - 4} L{px + 4} {cy + 4} M{px - 4} {cy + 4} L{px + 4} {cy - 4}"
        return f'<path {data} d="{d}">{tip}</path>'
    if ev == "cancel":
        return f'<rect {data} x="{px - 3.5}" y="{cy - 3.5}" width="7" height="7">{tip}</rect>'
    if ev == "close":
        return f'<path {data} d="M{px} {cy - 6} L{px} {cy + 6} M{px - 4} {cy - 6} L{px} {cy - 6}">{tip}</path>'
    return f'<circle {data} cx="{px}" cy="{cy}" r="2.5">{tip}</circle>'


_EXPECTED_EVENT = {"call": "ev-call", "cancel": "ev-cancel", "close": "ev-close"}


def _expected_marks(lane: Lane, row_top: int, x: Any) -> str:
    """Hollow marks where the scenario expects calls, cancellations and closes."""
    out = []
    row = 0
    for event, by_key in lane.expected_times.items():
        for key, times in by_key.items():
            cy = row_top + row * ROW_H + ROW_H / 2
            out.append(f'<text class="exp-key" x="{LABEL_W - 6}" y="{cy + 3.5}">{_attr(key)} {event}</text>')
            for t in times:
                px = x(t)
                out.append(
                    f'<g class="exp {_EXPECTED_EVENT.get(event, "")}" data-ev="{event}" data-t="{t}" '
                    f'data-key="{_attr(key)}"><title>expected {event} of {_attr(key)} at {t} ms</title>'
                    f'<circle cx="{px}" cy="{cy}" r="4"/></g>'
                )
            row += 1
    return "".join(out)
