"""Public flow API (``from taskbook.flows import Flow``)."""

from __future__ import annotations

from taskbook.api.flows import Flow, flow
from taskbook.api.serving import serve

__all__ = ("Flow", "flow", "serve")
