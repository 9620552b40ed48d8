"""The parameter form: typed controls from a parameters cell, stale marks, Run.

Each change is checked against the declaration (``taskbook.core.parameter_specs.coerce``);
a bad value shows its error and changes nothing. A good one marks the cells it
affects stale in the notebook graph, lists them, and calls ``on_change(values)``.
The Run button calls ``on_run(values, stale_node_ids)`` and makes the new values
the baseline.
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
from taskbook.widgets.graph_widget import GraphWidget
from taskbook.widgets.viewmodel import RunFold

__all__ = ("ParameterForm",)

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
        params_node_id: The parameters cell; the graph's ``params`` node if None.
        values: Current values (defaults for the missing ones).
        fold: A run to colour the graph by (the last run); "not run" if None.
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
        params_node_id: str | None = None,
        values: Mapping[str, Any] | None = None,
        fold: RunFold | None = None,
        host: Host | None = None,
    ) -> None:
        self.host = host or default_host()
        self.specs = {spec.name: spec for spec in specs}
        self.graph = graph
        self.on_run, self.on_change = on_run, on_change
        self.params_node_id = params_node_id or (params_node(graph) if graph else None)
        self.baseline = {n: s.default for n, s in self.specs.items()}
        self.baseline.update(values or {})
        self.values = dict(self.baseline)
        self.stale: frozenset[str] = frozenset()
        self.fold = fold or RunFold(graph)
        self.controls = {n: _control(s, self.values[n]) for n, s in self.specs.items()}
        for name, control in self.controls.items():
            control.observe(
                lambda change, n=name: self._changed(n, change["new"]), names="value"
            )
        self.error = widgets.HTML("")
        self.stale_note = widgets.HTML(self._stale_text())
        self.run_button = widgets.Button(
            description="Run", button_style="primary", icon="play"
        )
        self.run_button.on_click(lambda _button: self.run())
        self.graph_view = GraphWidget(uid="tbform") if graph is not None else None
        children: list[widgets.Widget] = [
            widgets.VBox(list(self.controls.values())),
            self.error,
            widgets.HBox([self.run_button, self.stale_note]),
        ]
        if self.graph_view is not None:
            children.append(self.graph_view)
        self.widget = widgets.VBox(children)
        self.widget.add_class("taskbook-params")
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

    def _update_stale(self) -> None:
        changed = changed_names(self.baseline, self.values)
        if self.graph is not None and self.params_node_id is not None:
            self.stale = stale_nodes(self.graph, self.params_node_id, changed)
        self.stale_note.value = self._stale_text()
        self._repaint()

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

    def _repaint(self) -> None:
        if self.graph_view is not None:
            self.graph_view.show(self.fold.graph_model(self.stale))

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
        self.baseline = dict(self.values)
        self._update_stale()
        return result[0] if result else None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
