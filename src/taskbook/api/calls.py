"""What tasks and flows share about a call: binding, run names, parameter checks."""

from __future__ import annotations

import inspect
import random
import string
import textwrap
import typing
from collections.abc import Callable
from typing import Any

from taskbook.errors import (
    ParameterTypeError,
    ReservedArgumentError,
    RunNameTemplateError,
    SignatureMismatchError,
)

RESERVED = ("return_state", "wait_for")


class Signature:
    """A function's signature, prepared once for fast binding."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.sig = inspect.signature(fn)
        for name in self.sig.parameters:
            if name in RESERVED:
                raise ReservedArgumentError.from_name(name, fn.__name__)
        params = list(self.sig.parameters.values())
        self.simple = all(
            p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in params
        )
        self.names = [p.name for p in params]
        self.defaults = {
            p.name: p.default
            for p in params
            if p.default is not inspect.Parameter.empty
        }
        self.name_set = frozenset(self.names)
        self.n_positional = sum(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
        self.var_keyword = next(
            (p.name for p in params if p.kind is p.VAR_KEYWORD), None
        )

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Return ``{parameter: value}`` with defaults applied."""
        if self.simple and self.positional_ok(len(args)):
            # Fast path (inspect's bind costs ~15 µs a call): plain parameters only.
            given = dict(zip(self.names, args, strict=False))
            if not (given.keys() & kwargs.keys()) and kwargs.keys() <= self.name_set:
                given.update(kwargs)
                if len(given) == len(self.names):
                    return {n: given[n] for n in self.names}
                if self.defaults.keys() >= set(self.names) - given.keys():
                    return {
                        n: given[n] if n in given else self.defaults[n]
                        for n in self.names
                    }
        try:
            bound = self.sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise SignatureMismatchError.from_bind_error(
                self.fn.__name__, exc, str(self.sig)
            ) from exc
        bound.apply_defaults()
        return dict(bound.arguments)

    def positional_ok(self, n: int) -> bool:
        """Return whether ``n`` positional arguments fit the positional parameters."""
        return n <= self.n_positional

    def call_args(
        self, parameters: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Split bound parameters back into ``(args, kwargs)`` for the call."""
        if self.simple:
            return (), parameters
        bound = inspect.BoundArguments(self.sig, dict(parameters))  # type: ignore[arg-type]
        return bound.args, bound.kwargs


def render_run_name(
    template: str | Callable[[], str] | None, parameters: dict[str, Any]
) -> str | None:
    """Render a ``task_run_name``/``flow_run_name`` template with the parameters.

    Raises:
        RunNameTemplateError: If the template names something that is no parameter.
    """
    if template is None:
        return None
    if callable(template):
        return str(template())
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


def random_run_name() -> str:
    """Return a friendly run name such as ``'crimson-otter'`` (Prefect's style)."""
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_ANIMALS)}"


def short_id(n: int = 8) -> str:
    """Return a short random id (for keys, not for runs)."""
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=n))


def function_source(fn: Callable[..., Any]) -> str:
    """Return the dedented source of ``fn``, or its bytecode when there is none."""
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return code.co_code.hex() if code is not None else repr(fn)


_SIMPLE_TYPES = (int, float, str, bool, list, dict, tuple, set, bytes)


class ParameterValidator:
    """Coerce and check flow parameters against annotations (pydantic, lazily).

    When every value already has its plain annotated type, pydantic is not even
    imported: that keeps the first flow call in a fresh process fast.
    """

    def __init__(self, fn: Callable[..., Any], flow_name: str) -> None:
        self.fn = fn
        self.flow_name = flow_name
        self._hints: dict[str, Any] | None = None
        self._model: Any = None

    def _annotations(self) -> dict[str, Any]:
        if self._hints is None:
            sig = inspect.signature(self.fn)
            try:
                resolved = typing.get_type_hints(self.fn)
            except Exception:  # unresolvable forward refs: fall back to raw annotations
                resolved = {}
            self._hints = {
                name: resolved.get(name, p.annotation)
                for name, p in sig.parameters.items()
                if p.annotation is not inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            }
        return self._hints

    def validate(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """Return the coerced parameters.

        Raises:
            ParameterTypeError: If a value cannot be coerced to its annotation.
        """
        hints = self._annotations()
        if not hints or all(
            _already_ok(hints[name], parameters.get(name)) for name in hints
        ):
            return parameters
        model = self._get_model()
        import pydantic

        try:
            validated = model.model_validate(
                {k: v for k, v in parameters.items() if k in hints}
            )
        except pydantic.ValidationError as exc:
            raise ParameterTypeError.from_validation(self.flow_name, str(exc)) from None
        out = dict(parameters)
        out.update({name: getattr(validated, name) for name in hints})
        return out

    def _get_model(self) -> Any:
        if self._model is None:
            import pydantic

            sig = inspect.signature(self.fn)
            fields: dict[str, Any] = {}
            for name, ann in self._annotations().items():
                default = sig.parameters[name].default
                fields[name] = (
                    ann,
                    ... if default is inspect.Parameter.empty else default,
                )
            self._model = pydantic.create_model(  # type: ignore[call-overload]
                f"{self.fn.__name__}_parameters",
                __config__=pydantic.ConfigDict(arbitrary_types_allowed=True),
                **fields,
            )
        return self._model


def _already_ok(annotation: Any, value: Any) -> bool:
    if annotation is Any:
        return True
    if isinstance(annotation, str):
        return False  # a string annotation needs resolving: let pydantic do it
    if annotation in _SIMPLE_TYPES:
        if annotation is int:
            return type(value) is int
        if annotation is float:
            return type(value) is float
        return type(value) is annotation
    return False
