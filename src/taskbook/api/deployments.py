"""The deployment of a served flow (what ``flow.to_deployment`` returns), the serve
options, and the ``Server`` role ``taskbook.api.serving`` holds.

Imported when a flow is served or deployed, not by ``import taskbook``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from taskbook.api.serving import the_server
from taskbook.errors import InvalidScheduleError

if TYPE_CHECKING:
    from taskbook.api.flows import Flow

__all__ = ("Deployment", "ServeOptions", "Server", "make_deployment")


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
    found = the_server().schedules(
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
