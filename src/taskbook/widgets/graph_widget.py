"""The state graph widget: an SVG DAG whose nodes recolour live and answer clicks.

An anywidget (works in JupyterLab, Notebook 7 and VS Code): the kernel renders the
SVG (``taskbook.widgets.svg``) and sends it only when the graph's shape changes;
state changes travel as small per-node patches the front end applies in place.
The front end fits the drawing to the output's width (never enlarging it); the
zoom buttons and Ctrl + wheel zoom, dragging pans. A click on a node sets
``selected``, which the kernel observes, and in a notebook scrolls to the node's
cell and outlines it for a moment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from taskbook.widgets.svg import graph_svg, node_patch

__all__ = ("GraphWidget", "close_tree")

_ESM = """
const BUTTON = "font:11px system-ui,sans-serif;padding:0 7px;height:20px;margin-left:4px;" +
  "border:1px solid #d1d5db;border-radius:4px;background:#fff;color:#374151;cursor:pointer";

function findCell(graphEl, node) {
  // The notebook cell a node stands for: by position, checked against a task's
  // header (cells may have moved since the graph was drawn), else by that header.
  const notebook = graphEl.closest(".jp-Notebook");
  if (!notebook || node.dataset.cell === undefined) return null;
  const cells = Array.from(notebook.querySelectorAll(".jp-Cell"));
  const cell = cells[Number(node.dataset.cell)] || null;
  if (node.dataset.kind !== "task") return cell;
  const header = (c) => {
    const line = c.querySelector(".jp-InputArea-editor .cm-line");
    const words = line ? line.textContent.trim().split(/\\s+/) : [];
    return words[0] === "%%task" && words[1] === node.dataset.name;
  };
  if (cell && header(cell)) return cell;
  return cells.find(header) || cell;
}

function goToCell(graphEl, node) {
  const cell = findCell(graphEl, node);
  if (!cell) return;
  cell.scrollIntoView({ block: "center" });
  cell.classList.add("tb-cell-flash");
  const outline = cell.style.outline;
  cell.style.outline = "2px solid #f59e0b";
  setTimeout(() => {
    cell.classList.remove("tb-cell-flash");
    cell.style.outline = outline;
  }, 1500);
}

function render({ model, el }) {
  const tools = document.createElement("div");
  tools.className = "tb-graph-tools";
  tools.style.cssText = "display:flex;justify-content:flex-end;margin:0 0 2px 0";
  const button = (cls, text, title) => {
    const b = document.createElement("button");
    b.className = cls;
    b.textContent = text;
    b.title = title;
    b.style.cssText = BUTTON;
    tools.appendChild(b);
    return b;
  };
  const zoomOut = button("tb-zoom-out", "\\u2212", "Zoom out (Ctrl + wheel)");
  const zoomIn = button("tb-zoom-in", "+", "Zoom in (Ctrl + wheel)");
  const fit = button("tb-fit", "Fit", "Fit the graph to the output's width");
  const actual = button("tb-actual", "1:1", "Full size");
  const box = document.createElement("div");
  box.className = "tb-graph-box";
  box.style.overflow = "auto";
  box.style.maxHeight = model.get("max_height");
  box.style.cursor = "grab";
  el.appendChild(tools);
  el.appendChild(box);

  let scale = null; // null: fit the width (the default); else the user's zoom
  let shown = 1;
  let natural = { w: 0, h: 0 };
  const apply = () => {
    const svg = box.querySelector("svg");
    if (!svg || !natural.w) return;
    const room = box.clientWidth || el.clientWidth || natural.w;
    shown = scale === null ? Math.min(1, room / natural.w) : scale;
    svg.setAttribute("width", natural.w * shown);
    svg.setAttribute("height", natural.h * shown);
    svg.style.display = "block";
  };
  const zoom = (factor, x, y) => {
    // Keep the point under (x, y) of the box where it is.
    const px = (box.scrollLeft + x) / shown, py = (box.scrollTop + y) / shown;
    scale = Math.max(0.05, Math.min(4, shown * factor));
    apply();
    box.scrollLeft = px * shown - x;
    box.scrollTop = py * shown - y;
  };
  zoomIn.onclick = () => zoom(1.25, box.clientWidth / 2, 0);
  zoomOut.onclick = () => zoom(0.8, box.clientWidth / 2, 0);
  fit.onclick = () => { scale = null; apply(); box.scrollLeft = 0; };
  actual.onclick = () => { scale = 1; apply(); };

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
    const svg = box.querySelector("svg");
    const view = svg ? (svg.getAttribute("viewBox") || "").split(/\\s+/).map(Number) : [];
    natural = view.length === 4 ? { w: view[2], h: view[3] } : { w: 0, h: 0 };
    apply();
    paint();
  };

  // Drag to pan; a press that moved is not a click.
  let drag = null;
  const onDown = (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: box.scrollLeft, top: box.scrollTop, moved: false };
  };
  const onMove = (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) {
      drag.moved = true;
      box.style.cursor = "grabbing";
    }
    if (drag.moved) {
      box.scrollLeft = drag.left - dx;
      box.scrollTop = drag.top - dy;
      event.preventDefault();
    }
  };
  let dragged = false;
  const onUp = () => {
    dragged = !!(drag && drag.moved);
    drag = null;
    box.style.cursor = "grab";
  };
  const onWheel = (event) => {
    if (!(event.ctrlKey || event.metaKey)) return; // plain wheel scrolls the page
    event.preventDefault();
    const r = box.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1, event.clientX - r.left, event.clientY - r.top);
  };
  const onClick = (event) => {
    if (dragged) { dragged = false; return; }
    const node = event.target.closest("g.tb-node");
    if (!node) return;
    model.set("selected", node.dataset.nodeId);
    model.save_changes();
    goToCell(el, node);
  };
  box.addEventListener("mousedown", onDown);
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);
  box.addEventListener("wheel", onWheel, { passive: false });
  box.addEventListener("click", onClick);
  const resized = new ResizeObserver(() => { if (scale === null) apply(); });
  resized.observe(el);
  model.on("change:svg", draw);
  model.on("change:states", paint);
  draw();
  return () => {
    resized.disconnect();
    box.removeEventListener("mousedown", onDown);
    window.removeEventListener("mousemove", onMove);
    window.removeEventListener("mouseup", onUp);
    box.removeEventListener("wheel", onWheel);
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


def close_tree(*roots: Any) -> None:
    """Close widgets, their children, layouts and styles (the views a run leaves).

    A closed widget's output disappears from the page, and the kernel and the
    front end drop its model; a layout or style left open would stay a model
    each, restored with every page that reconnects to the kernel.
    """
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        stack.extend(getattr(widget, "children", ()))
        for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
            if part is not None and hasattr(part, "close"):
                stack.append(part)
        widget.close()
