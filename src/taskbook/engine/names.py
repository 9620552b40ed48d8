"""Run names: templates rendered with a run's parameters, and random flow-run names.

A ``task_run_name``/``flow_run_name`` is a format string or a callable; a flow
run without one gets a friendly random name, as in Prefect, drawn from a generator
of its own: naming a run never moves the user's ``random`` stream.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable
from typing import Any

from taskbook.errors import RunNameTemplateError, RunNameTypeError


def render_run_name(
    template: str | Callable[..., str] | None,
    parameters: dict[str, Any],
    option: str = "task_run_name",
) -> str | None:
    """Render a ``task_run_name``/``flow_run_name`` template with the parameters.

    A callable is called without arguments, or with ``parameters=`` when it
    takes that keyword (as Prefect does).

    Raises:
        RunNameTemplateError: If the template names something that is no parameter.
        RunNameTypeError: If a callable returns something other than a str.
    """
    if template is None:
        return None
    if callable(template):
        name = (
            template(parameters=parameters)
            if _takes_parameters(template)
            else template()
        )
        if not isinstance(name, str):
            raise RunNameTypeError.from_callable(template, option, name)
        return name
    try:
        return template.format(**parameters)
    except KeyError as exc:
        raise RunNameTemplateError.from_template(
            template, str(exc.args[0]), parameters
        ) from None
    except (IndexError, ValueError) as exc:
        raise RunNameTemplateError(
            f"Run name template {template!r} is not a valid format string ({exc}). "
            f"Use named fields like '{{name}}'."
        ) from None


def _takes_parameters(fn: Callable[..., Any]) -> bool:
    try:
        return "parameters" in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


_ADJECTIVES = (
    "amber azure bold brave calm clever cosmic crimson daring eager fast fierce "
    "gentle golden happy humble icy jolly keen lively lucky mellow merry misty "
    "noble proud quick quiet rapid rustic shiny silent smart snowy steady sunny "
    "swift tidy vivid warm wise witty zesty"
).split()
_ANIMALS = (
    "ant badger bat bear beaver bee bison camel cat cobra crane crow deer dingo "
    "dolphin eagle eel falcon ferret finch fox frog gecko goat hare hawk heron "
    "ibis jaguar koala lemur lion llama lynx mole moose newt otter owl panda "
    "pig puffin quail raven seal shrew sloth swan tapir tiger toad trout walrus "
    "wolf wombat yak zebra"
).split()


_NAMES = random.Random()


def random_run_name() -> str:
    """Return a friendly run name such as ``'crimson-otter'`` (Prefect's style)."""
    return f"{_NAMES.choice(_ADJECTIVES)}-{_NAMES.choice(_ANIMALS)}"
