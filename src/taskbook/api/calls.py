"""What tasks and flows share about a call.

Binding arguments (fast for plain signatures), the keyword-only view the run
protocols call, the two decorator forms, a function's source, parameter checks.
"""

from __future__ import annotations

import copy
import inspect
import textwrap
import typing
from collections.abc import Callable
from typing import Any

from taskbook.errors import (
    ParameterBindError,
    ParameterTypeError,
    ReservedArgumentError,
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
        bound = self._bind(args, kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    def given(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Return the arguments given, without defaults (Prefect maps only these),
        with ``**kwargs`` spread into their own names."""
        given = dict(self._bind(args, kwargs).arguments)
        if self.var_keyword is not None and self.var_keyword in given:
            given.update(given.pop(self.var_keyword))
        return given

    def _bind(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> inspect.BoundArguments:
        try:
            return self.sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise ParameterBindError.from_bind_failure(
                self.fn.__name__, exc, str(self.sig), args, kwargs
            ) from exc

    def expand(
        self, static: dict[str, Any], iterables: dict[str, list[Any]]
    ) -> list[dict[str, Any]]:
        """Return the bound parameters of each element of a ``.map``, in order.

        Each is what ``bind`` gives a call: signature order, defaults applied,
        ``**kwargs`` gathered back.
        """
        base: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for name in self.names:
            if name in static:
                base[name] = static[name]
            elif name in iterables:
                base[name] = None  # set per element below
            elif name == self.var_keyword:
                base[name] = extra
            elif name in self.defaults:
                base[name] = self.defaults[name]
            else:  # an empty *args
                base[name] = ()
        spread = [k for k in (*static, *iterables) if k not in self.name_set]
        extra.update({k: static[k] for k in spread if k in static})
        mapped_extra = [k for k in spread if k in iterables]
        named = [(k, v) for k, v in iterables.items() if k in self.name_set]
        n = len(next(iter(iterables.values())))
        out: list[dict[str, Any]] = []
        if len(named) == 1 and not mapped_extra:
            # The common case (one mapped argument): a dict copy and one store each.
            (name, values), copy = named[0], base.copy
            for value in values:
                params = copy()
                params[name] = value
                out.append(params)
            return out
        for i in range(n):
            params = base.copy()
            for name, values in named:
                params[name] = values[i]
            if mapped_extra:
                params[self.var_keyword] = {  # type: ignore[index]
                    **extra,
                    **{k: iterables[k][i] for k in mapped_extra},
                }
            out.append(params)
        return out

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


class KeywordView:
    """A task or flow whose ``fn`` takes its bound parameters by keyword.

    What the run protocols call when the signature has ``*args``, ``**kwargs`` or
    positional-only parameters; every other attribute is the task's or flow's.
    """

    def __init__(self, owner: Any, fn: Callable[..., Any]) -> None:
        self._owner = owner
        self.fn = fn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._owner, name)


_UNBOUND: Any = object()


def unwrap_method(fn: Any) -> tuple[Any, str]:
    """Return ``(function, kind)`` of ``@classmethod``/``@staticmethod`` objects.

    ``kind`` is ``"classmethod"``, ``"staticmethod"`` or ``""`` for a plain function.
    """
    if isinstance(fn, classmethod):
        return fn.__func__, "classmethod"
    if isinstance(fn, staticmethod):
        return fn.__func__, "staticmethod"
    return fn, ""


class MethodBinding:
    """The descriptor protocol that lets a task or flow be a method (as Prefect).

    Read on an instance, a task or flow returns a copy bound to it: calls pass
    the instance as the first parameter (``self`` is then one of the run's
    parameters, so cache keys and run names see it); on a classmethod the class
    is bound; a staticmethod binds nothing.
    """

    _bound: Any = _UNBOUND
    _method_kind: str = ""

    def __get__(self, instance: Any, owner: Any) -> Any:
        if self._method_kind == "classmethod":
            target = owner
        elif instance is None or self._method_kind == "staticmethod":
            return self
        else:
            target = instance
        bound = copy.copy(self)
        bound._bound = target
        return bound

    def _bind_first(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """``args`` with the bound instance or class in front, if there is one."""
        return args if self._bound is _UNBOUND else (self._bound, *args)

    def _keep_binding(self, other: Any) -> Any:
        """Give ``other`` (a copy with new options) this one's method binding."""
        other._method_kind, other._bound = self._method_kind, self._bound
        return other


class OptionAttributes:
    """A task's or flow's options read as attributes (``task.retry_delay_seconds``,
    ``flow.on_failure_hooks``), as Prefect's Task and Flow keep them."""

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: no cost for real attributes.
        options = self.__dict__.get("options")
        if options is not None and not name.startswith("_"):
            known = type(options).__dataclass_fields__
            if name in known:
                return getattr(options, name)
            if name.endswith("_hooks") and name[: -len("_hooks")] in known:
                return list(getattr(options, name[: -len("_hooks")]))
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )


def decorate(make: Callable[[Any, Any], Any], fn: Any, options: Any) -> Any:
    """Return ``make(fn, options)`` (``@task``), or a decorator making it later
    (``@task(...)``): the two forms of ``@task`` and ``@flow``."""
    if fn is not None:
        return make(fn, options)
    return lambda fn: make(fn, options)


def keyword_view(owner: Any, sig: Signature, isasync: bool, name: str) -> Any:
    """Return ``owner`` itself when its signature is simple, else a ``KeywordView``.

    The view's ``fn`` spreads the bound parameters back into ``(args, kwargs)``
    (as Prefect does), so ``def f(**params)`` gets params; it is a coroutine
    function when ``fn`` is one, and is called ``name`` (what warnings show).
    """
    if sig.simple:
        return owner
    fn = sig.fn

    def call_with_bound(**parameters: Any) -> Any:
        args, kwargs = sig.call_args(parameters)
        return fn(*args, **kwargs)

    async def acall_with_bound(**parameters: Any) -> Any:
        args, kwargs = sig.call_args(parameters)
        return await fn(*args, **kwargs)

    bound = acall_with_bound if isasync else call_with_bound
    bound.__name__ = bound.__qualname__ = name
    return KeywordView(owner, bound)


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
            errors = [
                (".".join(str(part) for part in err["loc"]), err["msg"])
                for err in exc.errors()
            ]
            raise ParameterTypeError.from_validation(self.flow_name, errors) from None
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
