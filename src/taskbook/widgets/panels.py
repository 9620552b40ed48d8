"""HTML fragments for the views: run header, node details, logs, history table.

Pure string building with inline styles only (no CSS classes, no script), so the
same fragments work in the live widgets and in static output that GitHub and
nbviewer sanitise. Every value from a run is escaped.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from taskbook.core.palette import state_style, text_color
from taskbook.widgets.form_model import changed_names
from taskbook.widgets.svg import sparkline_svg

__all__ = (
    "details_html",
    "duration_text",
    "form_record_html",
    "header_html",
    "history_html",
    "logs_html",
    "pill",
)

_MONO = (
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11px"
)


def duration_text(seconds: float | None) -> str:
    """Return ``"1.25 s"``, ``"2m05s"`` or ``"–"`` for None."""
    if seconds is None:
        return "–"
    if seconds >= 60:
        return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"
    return f"{seconds:.2f} s" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def pill(type_: str | None, name: str | None) -> str:
    """Return a coloured label for a state (``not run`` when there is none)."""
    style = state_style(type_, name)
    fill, label = style.color, style.label
    return (
        f'<span class="tb-pill" data-state="{escape(type_ or "")}" style="background:{fill};'
        f"color:{text_color(fill)};border-radius:9px;padding:1px 8px;font-size:11px;"
        f'white-space:nowrap">{escape(label)}</span>'
    )


def header_html(summary: dict[str, Any]) -> str:
    """Return the one-line run header: flow, run name, state, duration, counts."""
    if summary["flow_run_id"] is None:
        return (
            '<div class="tb-header" style="color:#6b7280">Waiting for a flow run…</div>'
        )
    counts = " · ".join(
        f"{n} {escape(k)}" for k, n in sorted(summary["counts"].items())
    )
    params = ", ".join(
        f"{escape(k)}={escape(v)}" for k, v in summary["parameters"].items()
    )
    return (
        f'<div class="tb-header" data-state="{escape(summary["state"] or "")}" '
        'style="display:flex;gap:10px;align-items:center;flex-wrap:wrap">'
        f"<b>{escape(summary['flow_name'] or '')}</b>"
        f'<span style="color:#6b7280">{escape(summary["name"] or "")}</span>'
        f"{pill(summary['state'], summary['state_name'])}"
        f"<span>{duration_text(summary['duration'])}</span>"
        f'<span style="color:#374151">{summary["total"]} task runs'
        f"{': ' + counts if counts else ''}</span>"
        + (f'<span style="color:#6b7280;{_MONO}">{params}</span>' if params else "")
        + "</div>"
    )


def _level(level: int) -> str:
    return logging.getLevelName(level) if isinstance(level, int) else str(level)


def logs_html(logs: list[dict[str, Any]], limit: int = 30) -> str:
    """Return the latest log lines as a preformatted block ("" when there are none)."""
    if not logs:
        return ""
    lines = []
    for log in logs[-limit:]:
        color = "#b91c1c" if log["level"] >= logging.ERROR else "#374151"
        who = f"{escape(log['run'])} " if log.get("run") else ""
        lines.append(
            f'<div style="color:{color}">+{log["t"]:.2f}s {_level(log["level"])} '
            f"{who}{escape(log['message'])}</div>"
        )
    return (
        f'<div class="tb-logs" style="{_MONO};max-height:160px;overflow:auto;'
        f'border-top:1px solid #e5e7eb;padding-top:4px">{"".join(lines)}</div>'
    )


def _result_html(result: dict[str, str] | None) -> str:
    if not result:
        return ""
    if result["mime"] == "text/html":
        body = f'<div style="overflow:auto;max-height:220px">{result["data"]}</div>'
    else:
        body = f'<pre style="{_MONO};white-space:pre-wrap;margin:0">{escape(result["data"])}</pre>'
    kind = escape(result.get("type", ""))
    return f'<div class="tb-result"><b>Result</b> <span style="color:#6b7280">{kind}</span>{body}</div>'


def _artifact_data_html(artifact: dict[str, Any]) -> str:
    data = artifact.get("data")
    if artifact["type"] == "progress" and isinstance(data, (int, float)):
        pct = max(0.0, min(float(data), 100.0))
        return (
            f' {pct:g}% <span style="display:inline-block;width:80px;height:6px;'
            'background:#e5e7eb;border-radius:3px;vertical-align:middle">'
            f'<span style="display:block;width:{pct:g}%;height:6px;'
            'background:#2563eb;border-radius:3px"></span></span>'
        )
    if artifact["type"] == "image" and isinstance(data, str):
        if data.startswith(("https://", "http://")):
            return (
                f'<div><img src="{escape(data)}" alt="{escape(artifact.get("key") or "")}" '
                'style="max-width:100%;max-height:160px"></div>'
            )
        return f" {escape(data)}"
    return ""


def _artifacts_html(artifacts: list[dict[str, Any]]) -> str:
    """Each artifact of a run: kind, key, description; progress and images shown."""
    if not artifacts:
        return ""
    items = "".join(
        f'<div class="tb-artifact">{escape(a["type"] or "artifact")}'
        + (f" <b>{escape(a['key'])}</b>" if a.get("key") else "")
        + (
            f' <span style="color:#6b7280">{escape(a["description"])}</span>'
            if a.get("description")
            else ""
        )
        + _artifact_data_html(a)
        + "</div>"
        for a in artifacts
    )
    return f"<div><b>Artifacts</b>{items}</div>"


def _run_html(run: dict[str, Any]) -> str:
    states = " → ".join(
        f"{pill(s['type'], s['name'])}<span style='color:#6b7280;font-size:10px'> +{s['t']:.2f}s</span>"
        for s in run["states"]
    )
    rows = [
        f"<div><b>{escape(run['name'])}</b> {pill(run['state'], run['state_name'])} "
        f"attempts {run['attempts']} · duration {duration_text(run['duration'])}</div>",
        f'<div style="line-height:1.9">{states or "Pending"}</div>',
    ]
    if run["inputs"]:
        rows.append(f"<div>Inputs from: {escape(', '.join(run['inputs']))}</div>")
    if run["error"]:
        rows.append(
            f'<div class="tb-error" style="color:#b91c1c;{_MONO}">'
            f"{escape(run['error']['kind'])}: {escape(run['error']['message'])}</div>"
        )
    if run["logs"]:
        rows.append(
            logs_html(
                [{**log, "run": None} for log in run["logs"]], limit=len(run["logs"])
            )
        )
    rows.append(_artifacts_html(run.get("artifacts") or []))
    rows.append(_result_html(run["result"]))
    return (
        f'<div class="tb-run" data-run-id="{escape(run["id"])}" '
        'style="border-left:3px solid #e5e7eb;padding-left:8px;margin:6px 0">'
        + "".join(rows)
        + "</div>"
    )


def details_html(details: dict[str, Any] | None) -> str:
    """Return the details panel of a node (a hint when nothing is selected)."""
    if details is None:
        return '<div class="tb-details" style="color:#6b7280">Click a node for its details.</div>'
    head = f"<b>{escape(details['label'])}</b> <span style='color:#6b7280'>({escape(details['kind'])})</span>"
    extra = []
    for source in details["inputs"]:
        names = ", ".join(source["names"])
        via = f": {escape(names)}" if names else f" ({escape(source['kind'])})"
        extra.append(f"<div>reads from <b>{escape(source['from'])}</b>{via}</div>")
    if details["defines"]:
        extra.append(f"<div>defines {escape(', '.join(details['defines']))}</div>")
    runs = (
        "".join(_run_html(run) for run in details["runs"]) or "<div>Not run yet.</div>"
    )
    more = (
        f"<div style='color:#6b7280'>… {details['more_runs']} more runs</div>"
        if details["more_runs"]
        else ""
    )
    return (
        f'<div class="tb-details" data-node-id="{escape(details["id"])}">'
        f"{head}{''.join(extra)}{runs}{more}</div>"
    )


def history_html(history: dict[str, Any], limit: int = 50) -> str:
    """Return the history summary and table: status, duration, success rate, trend."""
    rate = history["success_rate"]
    summary = (
        f"<div class='tb-history-summary' style='display:flex;gap:14px;align-items:center'>"
        f"<span>{len(history['runs'])} runs</span>"
        f"<span>success rate <b>{'–' if rate is None else f'{rate:.0%}'}</b> "
        f"of {history['finished'] - history['cancelled']} finished"
        + (f", {history['cancelled']} cancelled" if history["cancelled"] else "")
        + "</span>"
        f"<span>duration trend {sparkline_svg(history['trend'])}</span></div>"
    )
    cells = "padding:2px 8px;text-align:left;border-bottom:1px solid #e5e7eb"
    head = "".join(
        f"<th style='{cells}'>{h}</th>"
        for h in ("status", "flow", "run", "started", "duration", "task runs")
    )
    rows = "".join(
        f"<tr class='tb-history-row' data-run-id='{escape(r['id'])}'>"
        f"<td style='{cells}'>{pill(r['state'], r['state_name'])}</td>"
        f"<td style='{cells}'>{escape(r['flow_name'])}</td>"
        f"<td style='{cells}'>{escape(r['name'])}</td>"
        f"<td style='{cells}'>{escape(r['start'] or '–')}</td>"
        f"<td style='{cells}'>{duration_text(r['duration'])}</td>"
        f"<td style='{cells}'>{r['task_runs']}</td></tr>"
        for r in history["runs"][:limit]
    )
    return f"{summary}<table class='tb-history' style='border-collapse:collapse;font-size:12px'><tr>{head}</tr>{rows}</table>"


def form_record_html(values: dict[str, Any], source: dict[str, Any]) -> str:
    """Return the static record of a parameter form: its values, flagged where they
    differ from the parameters cell's (``source``)."""
    cells = "padding:1px 8px;text-align:left"
    changed = changed_names(source, values)
    rows = []
    for name, value in values.items():
        differs = name in changed and name in source
        note = (
            f"<span style='color:#b45309'>≠ the cell's {escape(repr(source[name]))}</span>"
            if differs
            else ""
        )
        rows.append(
            f"<tr class='tb-form-value' data-name='{escape(name)}' "
            f"data-differs='{str(differs).lower()}'><td style='{cells}'><b>{escape(name)}</b></td>"
            f"<td style='{cells};{_MONO}'>{escape(repr(value))}</td><td style='{cells}'>{note}</td></tr>"
        )
    return (
        "<div class='taskbook-form-record' style='font-size:12px'>"
        "<div style='color:#6b7280'>Parameter form values:</div>"
        f"<table style='border-collapse:collapse'>{''.join(rows)}</table></div>"
    )
