"""Start each scheduled run in a process of its own, with its own log file, and
learn when it ends without polling.

Each run is a new process session (its own process group), so a signal to the
server does not reach it and stopping it reaches its children too. A waiter
thread per process reports the exit code and wakes the scheduler; runs left by
a previous server ("orphans", not our children) are watched through a pidfd
where Linux has one, else checked once a second.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from taskbook.schedule.rows import SlotKey

__all__ = ("Launcher", "ProcessLauncher", "Waker", "log_path_for", "pid_alive")


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


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (on this host)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ProcessLauncher:
    """Launch ``command(key)`` per slot; report exits through ``finished``."""

    def __init__(
        self,
        command: Callable[[SlotKey], Sequence[str]],
        wake: Callable[[], None],
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._command = command
        self._wake = wake
        self._env = dict(env) if env is not None else None
        self._lock = threading.Lock()
        self._running: dict[SlotKey, int] = {}
        self._finished: list[tuple[SlotKey, int | None]] = []

    def launch(self, key: SlotKey, log_path: Path) -> int:
        """Start the run of ``key`` writing stdout and stderr to ``log_path``."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                list(self._command(key)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env,
                start_new_session=True,  # its own group: our signals are not its
                close_fds=True,  # it must not inherit the serve lock
            )
        with self._lock:
            self._running[key] = process.pid
        threading.Thread(
            target=self._wait_child, args=(key, process), daemon=True
        ).start()
        return process.pid

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

    def _wait_child(self, key: SlotKey, process: subprocess.Popen[bytes]) -> None:
        self._done(key, process.wait())

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
