"""How browser tests work ipywidgets controls, as a user does."""

from __future__ import annotations

from typing import Any


def set_slider(output: Any, value: int) -> None:
    """Type a value into the first slider's readout in ``output`` (ipywidgets 8)."""
    readout = output.locator(".widget-slider .widget-readout").first
    readout.click()
    readout.press("Control+a")
    readout.type(str(value))
    readout.press("Enter")
