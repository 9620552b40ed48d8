"""The parameter form: typed controls from a parameters cell, stale marks, Run.

Each change is checked against the declaration (``taskbook.core.parameter_specs.coerce``);
a bad value shows its error and changes nothing. A good one marks the cells it
affects stale in the notebook graph, lists them, and calls ``on_change(values)``.
The Run button calls ``on_run(values, stale_node_ids)`` and makes the new values
the baseline; the graph then shows the states the run left. A value that differs
from the parameters cell's own is outlined and named, until Reset puts the cell's
values back. ``state()``/``restore()`` carry the values over a save and reopen.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterable, Mapping
from html import escape
from typing import Any

import ipywidgets as widgets

from taskbook.core.graph import NotebookGraph
from taskbook.core.parameter_specs import coerce
from taskbook.errors import ParameterValueError
from taskbook.widgets.bridge import Host, default_host
from taskbook.widgets.form_model import (
    ParameterLike,
    changed_names,
    control_kind,
    literal_text,
    params_node,
    parse_literal,
    stale_nodes,
)
from taskbook.widgets.graph_widget import GraphWidget, close_tree
from taskbook.widgets.records import fold_states

__all__ = ("CellStates", "ParameterForm")

CellStates = Mapping[str, tuple[str, str | None]]
"""Node id -> ``(state type, state name)`` of the cell's last run."""

_WIDE = {"description_width": "initial"}


def _control(spec: ParameterLike, value: Any) -> widgets.Widget:
    """Return the ipywidget for a declaration, holding ``value``."""
    kind = control_kind(spec)
    common: dict[str, Any] = {
        "description": spec.name,
        "style": _WIDE,
        "tooltip": spec.description or "",
    }
    low, high = spec.minimum, spec.maximum
    if kind == "checkbox":
        return widgets.Checkbox(value=bool(value), indent=False, **common)
    if kind == "dropdown":
        options = list(spec.options or ())
        return widgets.Dropdown(
            options=[(str(o), o) for o in options],
            value=value if value in options else options[0],
            **common,
        )
    if kind == "int-slider":
        return widgets.IntSlider(value=value, min=low, max=high, **common)
    if kind == "float-slider":
        step = (float(high) - float(low)) / 100 or 0.01
        return widgets.FloatSlider(value=value, min=low, max=high, step=step, **common)
    if kind in ("bounded-int", "bounded-float"):
        cls = (
            widgets.BoundedIntText
            if kind == "bounded-int"
            else widgets.BoundedFloatText
        )
        big = 2**53
        return cls(
            value=value,
            min=low if low is not None else -big,
            max=high if high is not None else big,
            **common,
        )
    if kind == "int-text":
        return widgets.IntText(value=value, **common)
    if kind == "float-text":
        return widgets.FloatText(value=value, **common)
    if kind == "date":
        return widgets.DatePicker(value=value, **common)
    if kind == "datetime":
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return widgets.DatetimePicker(value=value, **common)
        return widgets.NaiveDatetimePicker(value=value, **common)
    if kind == "text":
        return widgets.Text(value="" if value is None else str(value), **common)
    return widgets.Text(value=literal_text(value), **common)


class ParameterForm:
    """Typed controls for a notebook's parameters, wired to the notebook graph.

    Args:
        specs: The declarations (``taskbook.core.parameter_parsing.parse_parameters``).
        graph: The notebook DAG; without it nothing is marked stale.
        on_run: Called with ``(values, stale_node_ids)`` when Run is pressed.
        on_change: Called with the values after every accepted change.
        on_update: Called after anything the form shows changed (a value, the
            states a run left), e.g. to redraw a copy of it.
        params_node_id: The parameters cell; the graph's ``params`` node if None.
        values: Current values (defaults for the missing ones).
        states: Node id -> ``(state type, state name)`` each cell's last run
            ended in, or a function returning that (read at every redraw, so
            runs made elsewhere show too); the graph shows them ("not run" where
            missing). Given a mapping, Run adds the states of its run
            (``on_run``'s result's ``cells``).
        host: The cell the form lives in (``kernel_host(get_ipython())``, found
            through builtins when None). ``on_run`` runs in that cell's context,
            so what it prints and displays (a live view) lands under the form
            instead of being lost with the button's comm message.
    """

    def __init__(
        self,
        specs: Iterable[ParameterLike],
        graph: NotebookGraph | None = None,
        on_run: Callable[[dict[str, Any], tuple[str, ...]], Any] | None = None,
        *,
        on_change: Callable[[dict[str, Any]], Any] | None = None,
        on_update: Callable[[], Any] | None = None,
        params_node_id: str | None = None,
        values: Mapping[str, Any] | None = None,
        states: CellStates | Callable[[], CellStates] | None = None,
        host: Host | None = None,
    ) -> None:
        self.host = host or default_host()
        self.specs = {spec.name: spec for spec in specs}
        self.graph = graph
        self.on_run, self.on_change, self.on_update = on_run, on_change, on_update
        self.params_node_id = params_node_id or (params_node(graph) if graph else None)
        self.source = {n: s.default for n, s in self.specs.items()}
        """The parameters cell's own values."""
        self.baseline = dict(self.source)
        self.baseline.update(values or {})
        self.values = dict(self.baseline)
        self.stale: frozenset[str] = frozenset()
        self._latest = states if callable(states) else None
        self.states: dict[str, tuple[str, str | None]] = (
            {} if callable(states) else dict(states or {})
        )
        self.controls = {n: _control(s, self.values[n]) for n, s in self.specs.items()}
        for name, control in self.controls.items():
            control.observe(
                lambda change, n=name: self._changed(n, change["new"]), names="value"
            )
        self.error = widgets.HTML("")
        self.stale_note = widgets.HTML(self._stale_text())
        self.differs_note = widgets.HTML("")
        self.run_button = widgets.Button(
            description="Run", button_style="primary", icon="play"
        )
        self.run_button.on_click(lambda _button: self.run())
        self.reset_button = widgets.Button(
            description="Reset",
            icon="undo",
            tooltip="Put back the values the parameters cell sets",
        )
        self.reset_button.on_click(lambda _button: self.reset())
        self.graph_view = GraphWidget(uid="tbform") if graph is not None else None
        children: list[widgets.Widget] = [
            widgets.VBox(list(self.controls.values())),
            self.error,
            self.differs_note,
            widgets.HBox([self.run_button, self.reset_button, self.stale_note]),
        ]
        if self.graph_view is not None:
            children.append(self.graph_view)
        self.widget = widgets.VBox(children)
        self.widget.add_class("taskbook-params")
        self._mark_differences()
        self._repaint()

    def _value_of(self, spec: ParameterLike, raw: Any) -> Any:
        if control_kind(spec) == "literal":
            raw = parse_literal(raw)
            if spec.type_name == "any":
                return raw
        return coerce(spec, raw, self.specs.values())  # type: ignore[arg-type]

    def _changed(self, name: str, raw: Any) -> None:
        spec = self.specs[name]
        try:
            value = self._value_of(spec, raw)
        except ParameterValueError as err:
            self.error.value = f"<span class='tb-param-error' style='color:#b91c1c'>{escape(str(err))}</span>"
            return
        self.error.value = ""
        self.values[name] = value
        self._update_stale()
        if self.on_change is not None:
            self.on_change(dict(self.values))

    def set_value(self, name: str, value: Any) -> None:
        """Set a control's value as if the user had typed it."""
        spec = self.specs[name]
        control = self.controls[name]
        control.value = (
            literal_text(value) if control_kind(spec) == "literal" else value
        )

    def reset(self) -> None:
        """Put the parameters cell's own values back in the controls."""
        for name, value in self.source.items():
            self.set_value(name, value)

    def state(self) -> dict[str, Any]:
        """Return the form's values as JSON-able data (dates as ISO text)."""
        return {name: _jsonable(value) for name, value in self.values.items()}

    def restore(self, saved: Mapping[str, Any]) -> None:
        """Set the controls to saved values (``state()``); skip what no longer fits."""
        for name, raw in saved.items():
            spec = self.specs.get(name)
            if spec is None:
                continue
            try:
                value = coerce(spec, raw, self.specs.values())  # type: ignore[arg-type]
            except ParameterValueError:
                continue  # the declaration changed since: keep the cell's value
            self.set_value(name, value)

    def _update_stale(self) -> None:
        changed = changed_names(self.baseline, self.values)
        if self.graph is not None and self.params_node_id is not None:
            self.stale = stale_nodes(self.graph, self.params_node_id, changed)
        self.stale_note.value = self._stale_text()
        self._mark_differences()
        self._repaint()

    def _mark_differences(self) -> None:
        differs = changed_names(self.source, self.values)
        for name, control in self.controls.items():
            control.layout.border = "1px solid #d97706" if name in differs else ""
        if not differs:
            self.differs_note.value = ""
            return
        listed = ", ".join(
            f"{escape(n)} = {escape(repr(self.values[n]))} "
            f"(the cell says {escape(repr(self.source[n]))})"
            for n in self.specs
            if n in differs
        )
        self.differs_note.value = (
            "<span class='tb-differs-note' style='color:#b45309'>"
            f"Not the parameters cell's values: {listed}.</span>"
        )

    def _ordered_stale(self) -> tuple[str, ...]:
        if self.graph is None:
            return tuple(sorted(self.stale))
        return tuple(n.id for n in self.graph.nodes if n.id in self.stale)

    def _stale_text(self) -> str:
        if not self.stale or self.graph is None:
            return "<span class='tb-stale-note' style='color:#6b7280'>Nothing is stale.</span>"
        names = ", ".join(
            escape(self.graph.node(n).name) for n in self._ordered_stale()
        )
        return f"<span class='tb-stale-note' style='color:#b45309'>Will rerun: {names}</span>"

    def graph_model(self) -> dict[str, Any] | None:
        """Return what the form's graph shows: last states and stale marks."""
        if self.graph is None:
            return None
        states = self._latest() if self._latest is not None else self.states
        return fold_states(self.graph, states).graph_model(self.stale)

    def _repaint(self) -> None:
        model = self.graph_model()
        if self.graph_view is not None and model is not None:
            self.graph_view.show(model)
        if self.on_update is not None:
            self.on_update()

    def _ran(self, result: Any) -> None:
        """Take the cells' states from a run's result (``NotebookRunResult``)."""
        cells = getattr(result, "cells", None)
        if self._latest is not None or not isinstance(cells, Mapping):
            return  # the function gives the latest states, this run's included
        for cell_id, outcome in cells.items():
            type_ = getattr(outcome, "state_type", None)
            if type_ is not None and type_ != "PENDING":  # never reached: as before
                self.states[cell_id] = (type_, getattr(outcome, "state_name", None))

    def run(self) -> Any:
        """Do what the Run button does; return what ``on_run`` returned."""
        stale = self._ordered_stale()
        values = dict(self.values)
        result: list[Any] = []
        if self.on_run is not None:
            on_run = self.on_run

            def call() -> None:
                try:
                    result.append(on_run(values, stale))
                except Exception as error:  # a button has no caller to raise to
                    traceback.print_exc()  # lands in the form's cell (see host)
                    self.error.value = (
                        "<span class='tb-param-error' style='color:#b91c1c'>Run failed: "
                        f"{escape(type(error).__name__)}: {escape(str(error))}</span>"
                    )

            self.host.deliver(call)
            if not result:
                return None  # failed: the stale cells stay stale
            self._ran(result[0])
        self.baseline = dict(self.values)
        self._update_stale()
        return result[0] if result else None

    def close(self) -> None:
        """Close every widget of the form (the front end drops them)."""
        close_tree(self.widget, *self.controls.values())

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
