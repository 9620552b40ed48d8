"""Start each scheduled run in a process of its own, with its own log file, and
learn when it ends without polling.

Each run is a new process session (its own process group), so a signal to the
server does not reach it and stopping it reaches its children too. Python and
taskbook take a second or more to import, so where the platform has one, runs
are forked from a fork server (``multiprocessing``'s) that imported what a run
needs once, when the server started: a run starts within milliseconds of its
slot. Elsewhere each run is a new ``python -m taskbook.cli`` process. A waiter
thread per process reports the exit code and wakes the scheduler; runs left by
a previous server ("orphans", not our children) are watched through a pidfd
where Linux has one, else checked once a second.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import multiprocessing.connection
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from taskbook.engine.store import pid_alive
from taskbook.schedule.rows import SlotKey

__all__ = (
    "Launcher",
    "ProcessLauncher",
    "Waker",
    "log_path_for",
)


class Waker:
    """A self-pipe: ``set`` from any thread or a signal's wakeup fd, ``wait`` in
    the loop. No lock is taken, so a signal arriving anywhere cannot deadlock it."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)

    def set(self) -> None:
        """Wake the waiting loop (a no-op if a wake-up is pending already)."""
        with contextlib.suppress(BlockingIOError):
            os.write(self.write_fd, b"!")

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` or until woken; return whether woken."""
        ready, _, _ = select.select([self.read_fd], [], [], max(seconds, 0.0))
        with contextlib.suppress(BlockingIOError):
            while os.read(self.read_fd, 4096):
                pass
        return bool(ready)

    def close(self) -> None:
        """Close the pipe."""
        os.close(self.read_fd)
        os.close(self.write_fd)


class Launcher(Protocol):
    """How the scheduler starts, watches and stops runs (tests use a fake)."""

    def launch(self, key: SlotKey, log_path: Path) -> int: ...

    def adopt(self, key: SlotKey, pid: int) -> None: ...

    def running(self) -> dict[SlotKey, int]: ...

    def finished(self) -> list[tuple[SlotKey, int | None]]: ...

    def interrupt(self, key: SlotKey) -> None: ...

    def kill(self, key: SlotKey) -> None: ...


class ProcessLauncher:
    """Launch each slot's run in a process of its own; report exits through
    ``finished``."""

    def __init__(
        self,
        command: Callable[[str], Sequence[str]],
        wake: Callable[[], None],
        env: Mapping[str, str] | None = None,
        *,
        forked: Callable[[str, str, dict[str, str]], None] | None = None,
        preload: Sequence[str] = (),
    ) -> None:
        """Args:
        command: The command line of a run, given its slot key as text.
        wake: Called (from any thread) when a run ends.
        env: The runs' environment.
        forked: If given (and the platform has a fork server), runs are forked
            from a fork server that imported ``preload`` once, instead of
            started with ``command``: ``forked(key, log_path, env)`` runs in
            the new process, and must start a new session, send its stdout and
            stderr to the log, run the slot and exit with the run's code.
        preload: Modules the fork server imports (what a run needs).
        """
        self._command = command
        self._wake = wake
        self._env = dict(env) if env is not None else None
        self._lock = threading.Lock()
        self._running: dict[SlotKey, int] = {}
        self._finished: list[tuple[SlotKey, int | None]] = []
        self._forked = forked
        self._fork_context: Any = None
        if forked is not None and "forkserver" in mp.get_all_start_methods():
            self._fork_context = mp.get_context("forkserver")
            self._fork_context.set_forkserver_preload(list(preload))
        # multiprocessing reads a child's exit code once, from a pipe, in
        # whichever thread polls first: one lock for starting and reaping.
        self._mp_lock = threading.Lock()

    def start(self) -> None:
        """Start the fork server now, so it has imported what runs need by the
        time the first slot falls due. It gets /dev/null as stdout and stderr:
        it may outlive this process (while runs it forked run), and must not
        hold our output open."""
        if self._fork_context is None:
            return
        from multiprocessing import forkserver

        sys.stdout.flush()
        sys.stderr.flush()
        saved = [os.dup(1), os.dup(2)]
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            forkserver.ensure_running()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (*saved, devnull):
                os.close(fd)

    def launch(self, key: SlotKey, log_path: Path) -> int:
        """Start the run of ``key`` writing stdout and stderr to ``log_path``."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._fork_context is not None:
            process = self._fork_context.Process(
                target=self._forked,
                args=(str(key), str(log_path), self._env or dict(os.environ)),
                name=f"taskbook-slot-{key}",
            )
            with self._mp_lock:
                process.start()
            pid: int = process.pid
            wait: Callable[[], int | None] = lambda: self._join(process)  # noqa: E731
        else:
            with log_path.open("ab") as log:
                child = subprocess.Popen(
                    list(self._command(str(key))),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self._env,
                    start_new_session=True,  # its own group: our signals are not its
                    close_fds=True,  # it must not inherit the serve lock
                )
            pid, wait = child.pid, child.wait
        with self._lock:
            self._running[key] = pid
        threading.Thread(target=lambda: self._done(key, wait()), daemon=True).start()
        return pid

    def _join(self, process: Any) -> int | None:
        mp.connection.wait([process.sentinel])
        with self._mp_lock:
            process.join()
        return process.exitcode

    def adopt(self, key: SlotKey, pid: int) -> None:
        """Watch a run a previous server started (not our child)."""
        with self._lock:
            self._running[key] = pid
        threading.Thread(target=self._wait_orphan, args=(key, pid), daemon=True).start()

    def running(self) -> dict[SlotKey, int]:
        """The runs still alive, with their pids."""
        with self._lock:
            return dict(self._running)

    def finished(self) -> list[tuple[SlotKey, int | None]]:
        """Return (and forget) the runs that ended: exit code, None if unknown."""
        with self._lock:
            done, self._finished = self._finished, []
        return done

    def interrupt(self, key: SlotKey) -> None:
        """Send SIGINT to the run's process group (it cancels and exits 130)."""
        self._signal(key, signal.SIGINT)

    def kill(self, key: SlotKey) -> None:
        """Send SIGKILL to the run's process group."""
        self._signal(key, signal.SIGKILL)

    def _signal(self, key: SlotKey, signum: int) -> None:
        pid = self.running().get(key)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signum)

    def _done(self, key: SlotKey, code: int | None) -> None:
        with self._lock:
            self._running.pop(key, None)
            self._finished.append((key, code))
        self._wake()

    def _wait_orphan(self, key: SlotKey, pid: int) -> None:
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            try:
                fd = pidfd_open(pid)
            except OSError:  # gone already, or no pidfd support
                fd = None
            if fd is not None:
                try:
                    select.select([fd], [], [])
                finally:
                    os.close(fd)
                self._done(key, None)
                return
        stop = threading.Event()
        while pid_alive(pid):
            stop.wait(1.0)
        self._done(key, None)


def log_path_for(home: Path, name: str, slot_text: str) -> Path:
    """Where a scheduled run writes its log: ``schedules/NAME/SLOT.log``."""
    safe = slot_text.replace(":", "").replace("-", "")
    return Path(home) / "schedules" / name / f"{safe}.log"
