from __future__ import annotations

import pytest

from taskbook.core.palette import NOT_RUN, StateStyle, state_style, text_color


@pytest.mark.parametrize(
    ("type_", "name", "style"),
    [
        pytest.param(None, None, NOT_RUN, id="no state is not run"),
        pytest.param(
            "FAILED", None, StateStyle("#dc2626", "✗", "Failed"), id="a type alone"
        ),
        pytest.param(
            "FAILED", "Failed", StateStyle("#dc2626", "✗", "Failed"), id="its own name"
        ),
        pytest.param(
            "FAILED",
            "TimedOut",
            StateStyle("#b91c1c", "✗", "TimedOut"),
            id="a named state refines the colour, keeps the symbol",
        ),
        pytest.param(
            "COMPLETED",
            "Cached",
            StateStyle("#4ade80", "↻", "Cached"),
            id="a cache hit has its own symbol",
        ),
        pytest.param(
            "CRASHED",
            "Exploded",
            StateStyle("#ea580c", "☠", "Exploded"),
            id="an unknown name shows in its type's look",
        ),
        pytest.param(
            "WEIRD",
            None,
            StateStyle(NOT_RUN.color, NOT_RUN.symbol, "Weird"),
            id="an unknown type looks not run, with its name",
        ),
    ],
)
def test_state_style(type_: str | None, name: str | None, style: StateStyle) -> None:
    assert state_style(type_, name) == style


@pytest.mark.parametrize(
    ("fill", "text"),
    [("#dc2626", "#ffffff"), ("#4ade80", "#111827"), (NOT_RUN.color, "#111827")],
)
def test_text_on_a_fill_is_the_readable_one_of_black_and_white(
    fill: str, text: str
) -> None:
    assert text_color(fill) == text
