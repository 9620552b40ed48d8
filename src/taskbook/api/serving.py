"""``flow.serve``, ``flow.to_deployment`` and ``taskbook.serve``: Prefect 3's way to
run a flow on a schedule, served by taskbook's embedded scheduler.

Why a registration: serving needs the scheduler (``taskbook.schedule``, croniter,
the fork server of ``taskbook serve`` in ``taskbook.cli``), and the layers
contract keeps ``api`` below those edges, so ``api`` must not import them, not
even lazily. This module holds what ``api`` owns (the ``Deployment`` value, the
keyword rules) and one ``Server`` slot; the package root ``taskbook`` (the
composition root of the public API, imported before any ``api`` module) fills it
with the local server, whose code it imports only when a flow is served, so
``import taskbook`` stays as fast as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from taskbook.errors import InvalidScheduleError

if TYPE_CHECKING:
    from taskbook.api.flows import Flow

__all__ = (
    "Deployment",
    "ServeOptions",
    "Server",
    "make_deployment",
    "register_server",
    "serve",
)


@dataclass(frozen=True)
class Deployment:
    """What ``flow.to_deployment`` returns and ``taskbook.serve`` serves: a flow,
    the name of its schedules, and the keywords of Prefect's ``to_deployment``
    (``schedules`` are ``taskbook.schedules.Schedule`` objects, checked)."""

    flow: Flow[..., Any]
    name: str
    schedules: tuple[Any, ...] = ()
    paused: bool | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    tags: tuple[str, ...] = ()
    version: str | None = None
    concurrency_limit: int | None = None

    @property
    def flow_name(self) -> str:
        """The served flow's name (Prefect's ``RunnerDeployment.flow_name``)."""
        return self.flow.name


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """The keywords of ``taskbook.serve`` (and ``flow.serve``) about the server."""

    pause_on_shutdown: bool = True
    print_starting_message: bool = True
    limit: int | None = None


class Server(Protocol):
    """Serves deployments; ``taskbook`` registers the local one."""

    def schedules(self, **keywords: Any) -> list[Any]:
        """Check ``interval``/``cron``/``rrule``/``schedule``/``schedules`` and
        return the schedules they give (Prefect's rule)."""
        ...

    def serve(self, deployments: Sequence[Deployment], options: ServeOptions) -> None:
        """Register the deployments' schedules and serve until SIGINT/SIGTERM."""
        ...


_server: list[Server] = []


def register_server(server: Server) -> None:
    """Make ``server`` the one ``flow.serve`` and ``taskbook.serve`` use."""
    _server[:] = [server]


def _the_server() -> Server:
    if not _server:  # only if taskbook's root package was bypassed
        raise RuntimeError("No server registered: import taskbook first.")
    return _server[0]


def make_deployment(
    flow: Flow[..., Any],
    name: str | None,
    *,
    interval: Any = None,
    cron: str | Iterable[str] | None = None,
    rrule: str | Iterable[str] | None = None,
    paused: bool | None = None,
    schedule: Any = None,
    schedules: Sequence[Any] | None = None,
    concurrency_limit: int | None = None,
    parameters: dict[str, Any] | None = None,
    description: str | None = None,
    tags: Iterable[str] | None = None,
    version: str | None = None,
) -> Deployment:
    """Return the deployment of ``flow`` the keywords describe, checked now.

    Raises:
        InvalidScheduleError: The keywords do not fit together.
        InvalidCronError, InvalidIntervalError, InvalidRRuleError,
        UnknownTimeZoneError: A schedule's value is bad.
    """
    if concurrency_limit is not None and not isinstance(concurrency_limit, int):
        raise InvalidScheduleError.from_problem(
            f"concurrency_limit={concurrency_limit!r} is no whole number",
            "Pass a number of runs, such as concurrency_limit=1",
        )
    found = _the_server().schedules(
        interval=interval,
        cron=cron,
        rrule=rrule,
        schedule=schedule,
        schedules=schedules,
    )
    return Deployment(
        flow=flow,
        name=name or flow.name,
        schedules=tuple(found),
        paused=paused,
        parameters=dict(parameters or {}),
        description=description or flow.description,
        tags=tuple(tags or ()),
        version=version or getattr(flow, "version", None),
        concurrency_limit=concurrency_limit,
    )


def serve(
    *deployments: Deployment,
    pause_on_shutdown: bool = True,
    print_starting_message: bool = True,
    limit: int | None = None,
) -> None:
    """Serve the deployments together until SIGINT or SIGTERM (``prefect.serve``).

    Each deployment's schedules are stored (replacing the ones an earlier serve
    of the same name stored), then this process fires the store's due schedules
    as ``taskbook serve`` does. With ``pause_on_shutdown`` they are paused when it
    stops.

    Args:
        *deployments: What ``flow.to_deployment(...)`` returned.
        pause_on_shutdown: Pause the deployments' schedules when serving stops.
        print_starting_message: Print what is served and how to run it.
        limit: At most this many runs of one schedule at once (None: no limit).

    Raises:
        UnservableFlowError: A flow was not defined in a ``.py`` file.
        ServeAlreadyRunningError: A ``taskbook serve`` serves this store already.
    """
    for deployment in deployments:
        if not isinstance(deployment, Deployment):
            raise InvalidScheduleError.from_problem(
                f"serve() was given {deployment!r}, which is no deployment",
                "Pass what flow.to_deployment(name, ...) returns",
            )
    options = ServeOptions(pause_on_shutdown, print_starting_message, limit)
    _the_server().serve(deployments, options)
