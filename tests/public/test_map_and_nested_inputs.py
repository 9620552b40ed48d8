"""What ``.map`` accepts, and futures nested in a task's arguments (Prefect 3's rules).

Observed under Prefect 3.9.1: ``.map`` takes tuples, generators, futures and states
of iterables; futures inside lists, tuples, sets, dicts, dataclasses and pydantic
models are resolved (the object rebuilt, so ``__post_init__`` runs again);
``quote`` passes a value untouched, ``opaque`` resolves only the value itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
import pytest

from taskbook import flow, task, unmapped
from taskbook.utilities.annotations import opaque, quote


@task
def ident(x: Any) -> Any:
    return x


@task
def numbers() -> list[int]:
    return [1, 2, 3]


@flow
def listing() -> list[int]:
    return [4, 5]


@pytest.mark.parametrize(
    ("iterable", "expected"),
    [
        (lambda: (1, 2), [1, 2]),
        (lambda: (x * 10 for x in range(2)), [0, 10]),
        (lambda: numbers.submit(), [1, 2, 3]),
        (lambda: numbers(return_state=True), [1, 2, 3]),
        (lambda: listing(return_state=True), [4, 5]),
    ],
    ids=["tuple", "generator", "future", "task state", "subflow state"],
)
def test_map_accepts_any_iterable_prefect_accepts(
    iterable: Callable[[], Any], expected: list[int], isolated_home: Path
) -> None:
    @flow
    def mapping() -> list[int]:
        return ident.map(iterable()).result()

    assert mapping() == expected


def test_unmapped_is_the_same_value_at_every_index() -> None:
    value = [9]
    wrapped = unmapped(value)
    assert wrapped[0] is value
    assert wrapped[41] is value


BUILT: list[int] = []


@dataclasses.dataclass
class Box:
    size: int
    items: list[Any]

    def __post_init__(self) -> None:
        BUILT.append(self.size)


class Model(pydantic.BaseModel):
    size: int
    items: list[Any] = []


@task
def show(x: Any) -> str:
    return repr(x)


def test_futures_nested_in_arguments_are_resolved(isolated_home: Path) -> None:
    @flow
    def nested() -> dict[str, str]:
        one = ident.submit(1)
        return {
            "list": show([one, [one]]),
            "tuple": show((one, (one,))),
            "dict": show({"k": one, "n": {"k": one}}),
            "set": show({one}),
            "deep": show([[[[[one]]]]]),
        }

    assert nested() == {
        "list": "[1, [1]]",
        "tuple": "(1, (1,))",
        "dict": "{'k': 1, 'n': {'k': 1}}",
        "set": "{1}",
        "deep": "[[[[[1]]]]]",
    }


def test_dataclasses_and_models_holding_futures_are_rebuilt(
    isolated_home: Path,
) -> None:
    @flow
    def objects() -> tuple[str, str]:
        one = ident.submit(1)
        BUILT.clear()
        box = Box(size=2, items=[one])
        return show(box), show(Model.model_construct(size=3, items=[one]))

    box, model = objects()
    assert (box, model) == ("Box(size=2, items=[1])", "Model(size=3, items=[1])")
    assert BUILT == [2, 2]  # built by the flow, then again with the result inside


def test_quote_passes_a_value_untouched_and_opaque_resolves_only_the_top(
    isolated_home: Path,
) -> None:
    @task
    def kinds(x: Any) -> list[str]:
        return [type(v).__name__ for v in x] if isinstance(x, list) else [repr(x)]

    @flow
    def annotated() -> dict[str, list[str]]:
        one = ident.submit(1)
        one.wait()
        return {
            "quote": kinds(quote([one])),
            "opaque future": kinds(opaque(one)),
            "opaque list": kinds(opaque([one])),
        }

    assert annotated() == {
        "quote": ["TaskFuture"],
        "opaque future": ["1"],
        "opaque list": ["TaskFuture"],
    }
