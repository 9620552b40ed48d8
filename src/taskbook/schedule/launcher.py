"""Start each scheduled run in a process of its own, with its own log file, and
learn when it ends without polling.

Each run is a new process session (its own process group), so a signal to the
server does not reach it and stopping it reaches its children too. Python and
taskbook take a second or more to import, so ``prestart`` starts the processes of
the runs due in the next few seconds early (one per slot, so slots a second
apart each get one); each waits on its stdin for its slot and log file, and
starts the run the moment it gets them (a slot with no process ready gets one
started cold). A waiter thread per process reports the exit code and
wakes the scheduler; runs left by a previous server ("orphans", not our
children) are watched through a pidfd where Linux has one, else checked once a
second.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from taskbook.schedule.rows import SlotKey

__all__ = (
    "MAX_WARM",
    "Launcher",
    "ProcessLauncher",
    "Waker",
    "log_path_for",
    "pid_alive",
)

MAX_WARM = 4
"""At most this many prestarted processes wait for a slot at once."""


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
        command: Callable[[str], Sequence[str]],
        wake: Callable[[], None],
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Args:
        command: The command line of a run, given its slot key as text, or
            ``-`` for a prestarted process that reads ``KEY<TAB>LOG`` on stdin.
        wake: Called (from any thread) when a run ends.
        env: The runs' environment.
        """
        self._command = command
        self._wake = wake
        self._env = dict(env) if env is not None else None
        self._lock = threading.Lock()
        self._running: dict[SlotKey, int] = {}
        self._finished: list[tuple[SlotKey, int | None]] = []
        self._warm: deque[subprocess.Popen[bytes]] = deque()

    def _popen(self, argv: Sequence[str], **streams: Any) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            list(argv),
            env=self._env,
            start_new_session=True,  # its own group: our signals are not its
            close_fds=True,  # it must not inherit the serve lock
            **streams,
        )

    def prestart(self, count: int = 1) -> None:
        """Have ``count`` processes (at most ``MAX_WARM``) waiting for a slot."""
        for process in [p for p in self._warm if p.poll() is not None]:
            self._warm.remove(process)
        while len(self._warm) < min(count, MAX_WARM):
            self._warm.append(
                self._popen(
                    self._command("-"),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    def warm(self) -> list[int]:
        """The pids of the processes waiting for a slot, oldest first."""
        return [p.pid for p in self._warm]

    def close(self) -> None:
        """End the prestarted processes that got no slot (EOF on their stdin)."""
        warm, self._warm = list(self._warm), deque()
        for process in warm:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
        for process in warm:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _hand_over(
        self, key: SlotKey, log_path: Path
    ) -> subprocess.Popen[bytes] | None:
        """Give the slot to the oldest waiting process (the likeliest ready)."""
        while self._warm:
            process = self._warm.popleft()
            if process.stdin is None or process.poll() is not None:
                continue
            try:
                process.stdin.write(f"{key}\t{log_path}\n".encode())
                process.stdin.close()
            except OSError:  # it died meanwhile: try the next
                process.kill()
                process.wait()
                continue
            return process
        return None

    def launch(self, key: SlotKey, log_path: Path) -> int:
        """Start the run of ``key`` writing stdout and stderr to ``log_path``."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        process = self._hand_over(key, log_path)
        if process is None:
            with log_path.open("ab") as log:
                process = self._popen(
                    self._command(str(key)),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
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
