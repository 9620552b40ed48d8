"""``RunOptions``: the one definition of how a notebook run goes.

Every way to start a run (``%flow run``, ``taskbook run``, ``taskbook schedule
add``, the parameter form, and later the toolbar) builds a ``RunOptions``. Each field
declares its flag, help, parser and check once, and the surfaces that offer it;
the flags of the magic, of ``taskbook run`` and of ``taskbook schedule add`` are
derived from here (``run_flags``). Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from taskbook.core.flags import Flag
from taskbook.core.options import parse_seconds
from taskbook.errors import InvalidOptionError

__all__ = ("RUNNERS", "RunOptions", "Surface", "run_flags", "surface_gaps")

Surface = Literal["magic", "cli", "schedule"]
SURFACES: tuple[Surface, ...] = ("magic", "cli", "schedule")
"""``%flow run``; ``taskbook run``; ``taskbook schedule add`` (a scheduled run is a
headless run in a process of its own, so it offers what ``taskbook run`` offers)."""

RUNNERS = ("threads", "processes", "dask")
"""Where cells run: threads of the notebook's process, a process each, a Dask cluster."""


@dataclass(frozen=True, slots=True)
class _Reader:
    """How a flag's text becomes a value: the parser, its words, its placeholder."""

    parse: Callable[[str], Any]
    expected: str
    metavar: str


def _checked(convert: Callable[[str], Any], accept: Callable[[Any], bool]) -> Any:
    def parse(text: str) -> Any:
        value = convert(text)
        if not accept(value):
            raise ValueError(text)
        return value

    return parse


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


_CELLS = _Reader(
    _checked(_names, bool), "one or more cell or task names (T[,T...])", "T[,T]"
)
_RUNNER = _Reader(
    _checked(str, RUNNERS.__contains__),
    " or ".join(repr(r) for r in RUNNERS),
    "|".join(RUNNERS),
)
# distributed accepts "tcp://host:port", "tls://...", and a bare "host:port".
_ADDRESS = _Reader(
    _checked(str, lambda text: bool(text) and " " not in text),
    "a scheduler address such as tcp://127.0.0.1:8786",
    "tcp://HOST:PORT",
)
_COUNT = _Reader(_checked(int, lambda n: n >= 1), "a positive integer", "N")
_SECONDS = _Reader(
    _checked(parse_seconds, lambda s: s > 0),
    "a positive number of seconds (30, 1.5, 10m, 2h)",
    "S",
)
_IN_THIS_KERNEL: tuple[Surface, ...] = ("magic",)


def _run_option(
    default: Any = None,
    *,
    flag: str | None = None,
    help: str = "",
    reader: _Reader | None = None,
    switch: Callable[[str], Any] | None = None,
    surfaces: tuple[Surface, ...] = SURFACES,
    absent: str = "",
    default_factory: Any = None,
) -> Any:
    """Declare a run option: its flag, how to read it, where it is offered.

    Args:
        reader: How the flag's value is read; ``switch`` instead for a flag that
            takes none (it gives the value).
        absent: Why the option is not offered on the surfaces missing from
            ``surfaces`` (required then: a gap must be a decision).
    """
    metadata = {
        "flag": flag,
        "help": help,
        "parse": reader.parse if reader else switch,
        "expected": reader.expected if reader else "no value",
        "value": "required" if reader else "none",
        "metavar": reader.metavar if reader else "",
        "surfaces": surfaces if flag else (),
        "absent": absent,
    }
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def _switch(flag: str, help: str, **where: Any) -> Any:
    """Declare an option a flag turns on (it takes no value)."""
    return _run_option(False, flag=flag, help=help, switch=lambda _: True, **where)


def _valued(default: Any, flag: str, reader: _Reader, help: str) -> Any:
    """Declare an option whose flag takes a value."""
    return _run_option(default, flag=flag, help=help, reader=reader)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How one notebook run goes: which cells, cache use, where cells run.

    Raises:
        InvalidOptionError: A value is out of range, or ``address`` is given
            without ``runner="dask"``.
    """

    parameters: Mapping[str, Any] = _run_option(
        help="Values for the parameters cell (CLI: -p/-r/-f/-y; notebook: the "
        "%%params form).",
        default_factory=dict,
    )
    only: tuple[str, ...] = _valued((), "--only", _CELLS, "Run exactly these cells.")
    from_: tuple[str, ...] = _valued(
        (), "--from", _CELLS, "Run these cells and everything downstream of them."
    )
    to: tuple[str, ...] = _valued(
        (), "--to", _CELLS, "Run these cells and everything upstream of them."
    )
    stale: bool = _switch(
        "--stale",
        "Run only the cells whose cache key changed since their last success in "
        "this kernel (and those never run).",
        surfaces=_IN_THIS_KERNEL,
        absent="a headless run starts with an empty namespace: every cell is "
        "stale, and the cache already skips the work whose key did not change",
    )
    failed: bool = _switch(
        "--failed",
        "Run the cells that did not complete in the last run in this kernel, and "
        "everything downstream of them.",
        surfaces=_IN_THIS_KERNEL,
        absent="a headless run has no previous run in its namespace; rerunning "
        "the notebook serves the completed cells from the cache",
    )
    force: bool = _switch(
        "--force", "Ignore cached results and run every selected cell."
    )
    runner: str = _valued(
        "threads",
        "--runner",
        _RUNNER,
        "Where cells run: threads of this process, a process each, or a Dask "
        "cluster (a LocalCluster unless --address is given).",
    )
    address: str | None = _valued(
        None,
        "--address",
        _ADDRESS,
        "Address of a running Dask scheduler (with --runner dask).",
    )
    max_workers: int | None = _valued(
        None,
        "--max-workers",
        _COUNT,
        "Cells running at once (with --runner dask and no address: the "
        "LocalCluster's workers).",
    )
    timeout: float | None = _valued(
        None,
        "--timeout",
        _SECONDS,
        "Seconds (or 10m, 2h) the whole run may take before it fails.",
    )
    background: bool = _switch(
        "--background",
        "Run in a thread of the kernel; the notebook stays usable meanwhile.",
        surfaces=_IN_THIS_KERNEL,
        absent="a headless run is its own process: start it in the background "
        "from the shell",
    )
    view: bool = _run_option(
        True,
        flag="--no-view",
        help="Do not show the live graph and Gantt for this run.",
        switch=lambda _: False,
        surfaces=_IN_THIS_KERNEL,
        absent="the live view is a notebook widget; a headless run prints its "
        "summary and writes the states into the output notebook",
    )
    strict: bool = _run_option(
        False, help="Hidden state is an error before anything runs (headless)."
    )
    check_inputs: bool = _run_option(
        False,
        help="Before a single cell runs, say which task produces a missing input.",
    )

    def __post_init__(self) -> None:
        for name in ("only", "from_", "to"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            elif not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        for name, ok in (
            ("runner", self.runner in RUNNERS),
            ("max_workers", self.max_workers is None or self.max_workers >= 1),
            ("timeout", self.timeout is None or self.timeout > 0),
        ):
            if not ok:  # a value given from Python, not through a flag
                raise InvalidOptionError.from_value(
                    name, getattr(self, name), _meta(name)["expected"], "run"
                )
        if self.address is not None and self.runner != "dask":
            raise InvalidOptionError.from_value(
                "--address",
                self.address,
                "a scheduler address together with --runner dask (add --runner "
                "dask, or leave --address out)",
                "run",
            )

    def merge(self, **changes: Any) -> RunOptions:
        """Return a copy with ``changes`` applied."""
        return replace(self, **changes)


def _meta(name: str) -> Mapping[str, Any]:
    return next(f.metadata for f in fields(RunOptions) if f.name == name)


def run_flags(surface: Surface) -> tuple[Flag, ...]:
    """Return the flags ``surface`` offers, in field order, derived from RunOptions."""
    return tuple(
        Flag(
            flag=f.metadata["flag"],
            dest=f.name,
            parse=f.metadata["parse"],
            expected=f.metadata["expected"] or "no value",
            value=f.metadata["value"],
            help=f.metadata["help"],
        )
        for f in fields(RunOptions)
        if surface in f.metadata["surfaces"]
    )


def flag_metavar(dest: str) -> str:
    """Return how help text shows the value of the flag that sets ``dest``."""
    return str(_meta(dest)["metavar"])


def surface_gaps() -> dict[str, dict[str, str]]:
    """Return ``{field: {surface: why it is not offered there}}`` for flagged fields."""
    gaps: dict[str, dict[str, str]] = {}
    for f in fields(RunOptions):
        if not f.metadata["flag"]:
            continue
        missing = [s for s in SURFACES if s not in f.metadata["surfaces"]]
        if missing:
            gaps[f.name] = {s: f.metadata["absent"] for s in missing}
    return gaps
