"""A stored run's Gantt timeline as a standalone HTML page (``taskbook gantt``).

The same figure as the live view's Gantt (``gantt_widget``), drawn from the run
as the store recorded it, as a plotly ``Figure`` (no widget, no kernel); the
page embeds plotly.js, so it opens offline.
"""

from __future__ import annotations

from typing import Any

from taskbook.widgets.gantt_widget import gantt_figure
from taskbook.widgets.records import fold_record

__all__ = ("gantt_page",)


def gantt_page(record: Any) -> str:
    """Return the HTML page of a ``taskbook.get_run`` record's timeline."""
    fold = fold_record(record)
    figure = gantt_figure(fold.timeline_model())
    state = record.state_name or "Pending"
    figure.update_layout(
        title={"text": f"{record.flow_name} · {record.name} · {state}"},
        margin={"t": 60},
    )
    return str(
        figure.to_html(
            full_html=True,
            include_plotlyjs=True,
            config={"displaylogo": False},
            default_width="100%",
        )
    )
