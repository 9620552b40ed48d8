"""The state graph widget: an SVG DAG whose nodes recolour live and answer clicks.

An anywidget (works in JupyterLab, Notebook 7 and VS Code): the kernel renders the
SVG (``taskbook.widgets.svg``) and sends it only when the graph's shape changes;
state changes travel as small per-node patches the front end applies in place.
A click on a node sets ``selected``, which the kernel observes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from taskbook.widgets.svg import graph_svg, node_patch

__all__ = ("GraphWidget",)

_ESM = """
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "tb-graph-box";
  box.style.overflow = "auto";
  box.style.maxHeight = model.get("max_height");
  el.appendChild(box);
  const paint = () => {
    const states = JSON.parse(model.get("states") || "{}");
    for (const g of box.querySelectorAll("g.tb-node")) {
      const p = states[g.dataset.nodeId];
      if (!p) continue;
      g.dataset.state = p.state;
      g.dataset.stateName = p.state_name;
      const rect = g.querySelector("rect");
      rect.setAttribute("fill", p.fill);
      rect.setAttribute("stroke", p.stroke);
      rect.setAttribute("stroke-width", p.width);
      if (p.dash) rect.setAttribute("stroke-dasharray", p.dash);
      else rect.removeAttribute("stroke-dasharray");
      for (const t of g.querySelectorAll("text")) t.setAttribute("fill", p.text);
      const sub = g.querySelector("text.tb-sub");
      if (sub) sub.textContent = p.sub.length > 26 ? p.sub.slice(0, 25) + "\\u2026" : p.sub;
      const title = g.querySelector("title");
      if (title) title.textContent = p.title;
    }
  };
  const draw = () => {
    box.innerHTML = model.get("svg");
    paint();
  };
  const onClick = (event) => {
    const node = event.target.closest("g.tb-node");
    if (!node) return;
    model.set("selected", node.dataset.nodeId);
    model.save_changes();
  };
  box.addEventListener("click", onClick);
  model.on("change:svg", draw);
  model.on("change:states", paint);
  draw();
  return () => {
    box.removeEventListener("click", onClick);
    model.off("change:svg", draw);
    model.off("change:states", paint);
  };
}
export default { render };
"""


class GraphWidget(anywidget.AnyWidget):
    """Show ``RunFold.graph_model()`` output; ``selected`` is the clicked node id."""

    _esm = _ESM
    svg = traitlets.Unicode("").tag(sync=True)
    # A JSON string, not a Dict: ipywidgets walks a dict's every value looking for
    # binary buffers, which costs more than the JSON for a 1,000-node graph.
    states = traitlets.Unicode("{}").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    max_height = traitlets.Unicode("460px").tag(sync=True)

    def __init__(self, uid: str = "tb", **kwargs: Any) -> None:
        """Create an empty graph; ``uid`` keeps its SVG ids unique on the page."""
        super().__init__(**kwargs)
        self._uid = uid
        self._shape: object = None
        self._model: dict[str, Any] | None = None
        self._patches: dict[str, tuple[object, bool, dict[str, str]]] = {}

    def show(self, model: dict[str, Any]) -> None:
        """Display a graph model: re-send the SVG only when nodes or edges moved."""
        self._model = model
        shape = (
            tuple((n["id"], n["x"], n["y"]) for n in model["nodes"]),
            tuple((e["from"], e["to"], tuple(e["names"])) for e in model["edges"]),
        )
        with self.hold_sync():
            if shape != self._shape:
                self._shape = shape
                self.svg = graph_svg(model, uid=self._uid, selected=self.selected)
            self.states = self._states(model)

    def _states(self, model: dict[str, Any]) -> str:
        # The fold reuses a node's dict until its runs change: reuse its patch too.
        patches, selected = self._patches, self.selected
        out = {}
        for node in model["nodes"]:
            node_id = node["id"]
            cached = patches.get(node_id)
            if (
                cached is None
                or cached[0] is not node
                or cached[1] != (node_id == selected)
            ):
                cached = (
                    node,
                    node_id == selected,
                    node_patch(node, node_id == selected),
                )
                patches[node_id] = cached
            out[node_id] = cached[2]
        return json.dumps(out, separators=(",", ":"))

    def repaint(self) -> None:
        """Re-send node patches (after the selection changed)."""
        if self._model is not None:
            self.states = self._states(self._model)

    def on_select(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(node_id)`` whenever the user clicks a node."""
        self.observe(lambda change: callback(change["new"]), names="selected")
