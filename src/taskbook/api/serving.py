"""``flow.serve``, ``flow.to_deployment`` and ``taskbook.serve``: Prefect 3's way to
run a flow on a schedule, served by taskbook's embedded scheduler.

Why a registration: serving needs the scheduler (``taskbook.schedule``, croniter,
the fork server of ``taskbook serve`` in ``taskbook.cli``), and the layers
contract keeps ``api`` below those edges, so ``api`` must not import them, not
even lazily. This module holds one ``Server`` slot (``api.deployments`` has the
``Deployment`` value and the keyword rules, imported only when used); the
package root ``taskbook`` (the composition root of the public API, imported
before any ``api`` module) fills it with the local server, whose code it imports
only when a flow is served, so ``import taskbook`` stays as fast as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskbook.api.deployments import Deployment, Server

__all__ = ("register_server", "serve", "the_server")


_server: list[Server] = []  # one slot, filled by taskbook/__init__.py


def register_server(server: Server) -> None:
    """Make ``server`` the one ``flow.serve`` and ``taskbook.serve`` use."""
    _server[:] = [server]


def the_server() -> Server:
    """Return the registered server."""
    if not _server:  # only if taskbook's root package was bypassed
        raise RuntimeError("No server registered: import taskbook first.")
    return _server[0]


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
    from taskbook.api.deployments import Deployment, ServeOptions
    from taskbook.errors import InvalidScheduleError

    for deployment in deployments:
        if not isinstance(deployment, Deployment):
            raise InvalidScheduleError.from_problem(
                f"serve() was given {deployment!r}, which is no deployment",
                "Pass what flow.to_deployment(name, ...) returns",
            )
    options = ServeOptions(pause_on_shutdown, print_starting_message, limit)
    the_server().serve(deployments, options)
