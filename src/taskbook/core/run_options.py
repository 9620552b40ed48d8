"""``RunOptions``: the one definition of how a notebook run goes.

Every way to start a run (``%flow run``, ``taskbook run``, the parameter form, and
later the toolbar and ``taskbook schedule``) builds a ``RunOptions``. Each field
declares its flag, help, parser and check once, and the surfaces that offer it;
the magic's and the CLI's flags are derived from here (``run_flags``). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from taskbook.core.flags import Flag, ValueKind
from taskbook.core.options import parse_seconds
from taskbook.errors import InvalidOptionError

__all__ = ("RUNNERS", "RunOptions", "Surface", "run_flags", "surface_gaps")

Surface = Literal["magic", "cli"]
SURFACES: tuple[Surface, ...] = ("magic", "cli")

RUNNERS = ("threads", "processes", "dask")
"""Where cells run: threads of the notebook's process, a process each, a Dask cluster."""


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise ValueError(text)
    return names


def _positive_int(text: str) -> int:
    number = int(text)
    if number < 1:
        raise ValueError(text)
    return number


def _positive_seconds(text: str) -> float:
    seconds = parse_seconds(text)
    if seconds <= 0:
        raise ValueError(text)
    return seconds


def _runner(text: str) -> str:
    if text not in RUNNERS:
        raise ValueError(text)
    return text


def _address(text: str) -> str:
    # distributed accepts "tcp://host:port", "tls://...", and a bare "host:port".
    if not text or " " in text:
        raise ValueError(text)
    return text


def _run_option(
    default: Any = None,
    *,
    flag: str | None = None,
    help: str = "",
    parse: Any = None,
    expected: str = "",
    value: ValueKind = "required",
    metavar: str = "",
    surfaces: tuple[Surface, ...] = SURFACES,
    absent: str = "",
    default_factory: Any = None,
) -> Any:
    """Declare a run option: its flag, how to read it, where it is offered.

    Args:
        absent: Why the option is not offered on the surfaces missing from
            ``surfaces`` (required then: a gap must be a decision).
    """
    metadata = {
        "flag": flag,
        "help": help,
        "parse": parse,
        "expected": expected,
        "value": value,
        "metavar": metavar,
        "surfaces": surfaces if flag else (),
        "absent": absent,
    }
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def _flag_on(_text: str) -> bool:
    return True


def _flag_off(_text: str) -> bool:
    return False


_NAMES = "one or more cell or task names (T[,T...])"


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
    only: tuple[str, ...] = _run_option(
        (),
        flag="--only",
        help="Run exactly these cells.",
        parse=_names,
        expected=_NAMES,
        metavar="T[,T]",
    )
    from_: tuple[str, ...] = _run_option(
        (),
        flag="--from",
        help="Run these cells and everything downstream of them.",
        parse=_names,
        expected=_NAMES,
        metavar="T[,T]",
    )
    to: tuple[str, ...] = _run_option(
        (),
        flag="--to",
        help="Run these cells and everything upstream of them.",
        parse=_names,
        expected=_NAMES,
        metavar="T[,T]",
    )
    stale: bool = _run_option(
        False,
        flag="--stale",
        help="Run only the cells whose cache key changed since their last success "
        "in this kernel (and those never run).",
        parse=_flag_on,
        value="none",
        surfaces=("magic",),
        absent="a headless run starts with an empty namespace: every cell is "
        "stale, and the cache already skips the work whose key did not change",
    )
    failed: bool = _run_option(
        False,
        flag="--failed",
        help="Run the cells that did not complete in the last run in this kernel, "
        "and everything downstream of them.",
        parse=_flag_on,
        value="none",
        surfaces=("magic",),
        absent="a headless run has no previous run in its namespace; rerunning "
        "the notebook serves the completed cells from the cache",
    )
    force: bool = _run_option(
        False,
        flag="--force",
        help="Ignore cached results and run every selected cell.",
        parse=_flag_on,
        value="none",
    )
    runner: str = _run_option(
        "threads",
        flag="--runner",
        help="Where cells run: threads of this process, a process each, or a Dask "
        "cluster (a LocalCluster unless --address is given).",
        parse=_runner,
        expected=" or ".join(repr(r) for r in RUNNERS),
        metavar="|".join(RUNNERS),
    )
    address: str | None = _run_option(
        None,
        flag="--address",
        help="Address of a running Dask scheduler, tcp://HOST:PORT (with "
        "--runner dask).",
        parse=_address,
        expected="a scheduler address such as tcp://127.0.0.1:8786",
        metavar="tcp://HOST:PORT",
    )
    max_workers: int | None = _run_option(
        None,
        flag="--max-workers",
        help="Cells running at once.",
        parse=_positive_int,
        expected="a positive integer",
        metavar="N",
    )
    timeout: float | None = _run_option(
        None,
        flag="--timeout",
        help="Seconds (or 10m, 2h) the whole run may take before it fails.",
        parse=_positive_seconds,
        expected="a positive number of seconds (30, 1.5, 10m, 2h)",
        metavar="S",
    )
    background: bool = _run_option(
        False,
        flag="--background",
        help="Run in a thread of the kernel; the notebook stays usable meanwhile.",
        parse=_flag_on,
        value="none",
        surfaces=("magic",),
        absent="a headless run is its own process: start it in the background "
        "from the shell",
    )
    view: bool = _run_option(
        True,
        flag="--no-view",
        help="Do not show the live graph and Gantt for this run.",
        parse=_flag_off,
        value="none",
        surfaces=("magic",),
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
        if self.runner not in RUNNERS:
            raise InvalidOptionError.from_value(
                "runner", self.runner, _meta("runner")["expected"], "run"
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
