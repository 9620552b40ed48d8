from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest

from taskbook.widgets.records import history_model
from taskbook.widgets.static import static_bundle
from taskbook.widgets.svg import graph_svg, sparkline_svg, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def finished_run(script: Any) -> Any:
    s = script()
    s.task("a", "extract", 0.0).state("a", "Running", 0.5).state("a", "Completed", 1.0)
    s.task("b", "load<&>", 1.0, upstream=("a",)).state("b", "Running", 1.5)
    s.state("b", "Failed", 2.0, "boom", ValueError("bad <row>"))
    return s.flow("Failed", 2.5)


def test_static_bundle_documents_the_finished_run_without_script(script: Any) -> None:
    bundle = static_bundle(finished_run(script).fold(), uid="t1")
    assert set(bundle) == {"text/html", "image/svg+xml", "text/plain"}
    parser = Tags()
    parser.feed(bundle["text/html"])
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags
    assert "style" not in tags
    nodes = {
        a["data-node-id"]: a["data-state"]
        for t, a in parser.tags
        if t == "g" and a.get("class") == "tb-node"
    }
    assert nodes == {"task:extract": "COMPLETED", "task:load<&>": "FAILED"}
    assert tags.count("details") == 3  # all task details + one per node with runs
    assert "bad &lt;row&gt;" in bundle["text/html"]  # run data is escaped
    assert bundle["text/plain"] == (
        "Flow run 'brave-run' of 'etl': Failed in 2.50 s — 2 task runs (1 Completed, 1 Failed)"
    )


def test_static_svg_is_well_formed_xml(script: Any) -> None:
    bundle = static_bundle(finished_run(script).fold(), uid="t2")
    root = ET.fromstring(bundle["image/svg+xml"])
    assert root.tag == f"{SVG}svg"
    bars = root.findall(f".//{SVG}rect[@class='tb-seg']")
    assert [b.get("data-kind") for b in bars] == [
        "waiting",
        "running",
        "waiting",
        "running",
    ]


def test_graph_svg_colours_nodes_and_labels_edges(script: Any, nb_graph: Any) -> None:
    graph = nb_graph(("p", "params", "n = 1"), ("t", "task", "x = n + 1"))
    s = script().task("r", "t", 0.0).state("r", "Running", 1.0)
    root = ET.fromstring(graph_svg(s.fold(graph).graph_model(stale={"t"}), uid="g"))
    rects = {g.get("data-node-id"): g.find(f"{SVG}rect") for g in root.iter(f"{SVG}g")}
    assert rects["t"].get("fill") == "#2563eb"  # type: ignore[union-attr]
    assert rects["t"].get("stroke-dasharray") == "6 3"  # stale  # type: ignore[union-attr]
    labels = [
        t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tb-edge-label"
    ]
    assert labels == ["n"]


def test_timeline_svg_has_a_row_per_run_and_caps_huge_runs(script: Any) -> None:
    s = script()
    for i in range(12):
        s.task(f"r{i}", "t", i * 0.1).state(f"r{i}", "Running", 1.0).state(
            f"r{i}", "Completed", 2.0
        )
    model = s.fold().timeline_model()
    root = ET.fromstring(timeline_svg(model, max_rows=5))
    rows = [g for g in root.iter(f"{SVG}g") if g.get("class") == "tb-row"]
    assert len(rows) == 5
    assert any("7 more task runs" in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_sparkline_of_durations() -> None:
    root = ET.fromstring(sparkline_svg([1.0, 3.0, 2.0]))
    points = root.find(f"{SVG}polyline").get("points").split()  # type: ignore[union-attr]
    assert len(points) == 3
    assert sparkline_svg([]) == ""


def test_history_model_success_rate_and_trend() -> None:
    rows = [
        {
            "id": "3",
            "flow_name": "etl",
            "name": "c",
            "state_type": "RUNNING",
            "state_name": "Running",
            "start_time": None,
            "duration": math.nan,
            "task_runs": 2,
        },
        {
            "id": "2",
            "flow_name": "etl",
            "name": "b",
            "state_type": "FAILED",
            "state_name": "Failed",
            "start_time": "2024-01-02T10:00:00+00:00",
            "duration": 4.0,
            "task_runs": 3,
        },
        {
            "id": "1",
            "flow_name": "etl",
            "name": "a",
            "state_type": "COMPLETED",
            "state_name": "Completed",
            "start_time": "2024-01-01T10:00:00+00:00",
            "duration": 2.0,
            "task_runs": 3,
        },
    ]
    model = history_model(rows)
    assert model["success_rate"] == pytest.approx(0.5)
    assert model["finished"] == 2
    assert model["trend"] == [2.0, 4.0]  # oldest first
    assert [r["duration"] for r in model["runs"]] == [None, 4.0, 2.0]
    assert model["runs"][1]["start"] == "2024-01-02 10:00:00"
