"""Public flow API (``from taskbook.flows import Flow``)."""

from __future__ import annotations

from taskbook.api.flows import Flow, flow

__all__ = ("Flow", "flow")
