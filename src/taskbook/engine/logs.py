"""Run logging: ``get_run_logger``, ``log_prints``, and recording log lines.

Log records made inside a run are published on the bus (so the run store keeps
them with the run's ids) and printed in Prefect's console format: to stderr, as
Prefect does, or, where the notebook extension asks for it, INFO and below to
stdout (Jupyter shows stderr as an error). ``print`` inside a run with
``log_prints`` becomes an INFO log line.
"""

from __future__ import annotations

import builtins
import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from taskbook.core.events import LogEmitted
from taskbook.engine.context import flow_run_ctx, task_run_ctx
from taskbook.engine.masking import active as masking_active
from taskbook.engine.masking import mask
from taskbook.errors import MissingContextError

_setup_lock = threading.Lock()
_configured = False
_original_print = builtins.print


class _RunRecordHandler(logging.Handler):
    """Publish records made inside a run on that run's session bus."""

    def emit(self, record: logging.LogRecord) -> None:
        tctx = task_run_ctx.get()
        fctx = flow_run_ctx.get()
        session = tctx.session if tctx else fctx.session if fctx else None
        if session is None:
            return
        if fctx is not None and fctx.closed.is_set():
            return
        session.bus.publish(
            LogEmitted(
                flow_run_id=fctx.flow_run.id if fctx else None,
                task_run_id=tctx.task_run.id if tctx else None,
                level=record.levelno,
                message=mask(record.getMessage()),
                ts=record.created,
            )
        )


class _ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        tctx = task_run_ctx.get()
        fctx = flow_run_ctx.get()
        if tctx is not None:
            prefix = f"Task run {tctx.task_run.name!r} - "
        elif fctx is not None:
            prefix = f"Flow run {fctx.flow_run.name!r} - "
        else:
            prefix = ""
        time = self.formatTime(record, "%H:%M:%S")
        return (
            f"{time}.{int(record.msecs):03d} | {record.levelname:<7} | "
            f"{prefix}{mask(record.getMessage())}"
        )


class _RootForwarder(logging.Handler):
    """Hand records to the root logger's handlers, but those printing to a console.

    Prefect's loggers propagate to the root logger, so pytest's ``caplog`` and a
    user's file handler see run lines. taskbook's logger does not propagate: a
    notebook's ``logging.basicConfig()`` would print every line a second time.
    Forwarding to every root handler but the console ones gives both.
    """

    def emit(self, record: logging.LogRecord) -> None:
        # A handler also on the way up (pytest adds its capture handlers to
        # non-propagating loggers too) has had the record already.
        seen: set[logging.Handler] = set()
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None and logger.name != "root":
            seen.update(logger.handlers)
            logger = logger.parent
        for handler in logging.getLogger().handlers:
            if handler in seen or _prints_to_console(handler):
                continue
            if record.levelno >= handler.level:
                handler.handle(record)


def _prints_to_console(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    consoles = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    return isinstance(handler, logging.StreamHandler) and any(
        stream is console for console in consoles
    )


def configure_logging() -> None:
    """Attach taskbook's handlers once (level from ``TASKBOOK_LOGGING_LEVEL``)."""
    global _configured
    if _configured:
        return
    with _setup_lock:
        if _configured:
            return
        root = logging.getLogger("taskbook")
        root.setLevel(os.environ.get("TASKBOOK_LOGGING_LEVEL", "INFO").upper())
        root.addHandler(_RunRecordHandler())
        console = _ConsoleHandler()
        console.setFormatter(_ConsoleFormatter())
        root.addHandler(console)
        root.addHandler(_RootForwarder())
        root.propagate = False
        builtins.print = _print
        _configured = True


LIFECYCLE = {"taskbook_lifecycle": True}
"""``extra`` of a flow run's own "Beginning…"/"Finished in state…" INFO lines."""

_quiet_lifecycle: ContextVar[bool] = ContextVar(
    "taskbook_quiet_lifecycle", default=False
)


@contextmanager
def quiet_lifecycle_lines() -> Iterator[None]:
    """Keep flow runs' start and finish INFO lines off the console in this context.

    For callers that show the run themselves (the notebook's status lines and live
    views). The lines are still recorded with the run; warnings and errors, and
    every line user code logs, still reach the console.
    """
    token = _quiet_lifecycle.set(True)
    try:
        yield
    finally:
        _quiet_lifecycle.reset(token)


def send_info_to_stdout(enabled: bool) -> None:
    """Print INFO and DEBUG lines to stdout (True) or, as Prefect does, stderr.

    Warnings and errors always go to stderr. The notebook extension turns this
    on: Jupyter styles stderr as an error, and an INFO line is none.
    """
    _ConsoleHandler.info_to_stdout = enabled


class _ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever ``sys.stderr`` (or ``sys.stdout``) is at each record.

    Notebooks (ipykernel, taskbook's per-cell capture) swap the streams after
    this handler exists; a stream bound once would bypass them.
    """

    info_to_stdout = False

    def emit(self, record: logging.LogRecord) -> None:
        if _quiet_lifecycle.get() and getattr(record, "taskbook_lifecycle", False):
            return
        quiet = record.levelno < logging.WARNING and self.info_to_stdout
        stream = sys.stdout if quiet else sys.stderr
        try:
            stream.write(self.format(record) + self.terminator)
            stream.flush()
        except RecursionError:  # as logging.StreamHandler.emit
            raise
        except Exception:
            self.handleError(record)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass  # StreamHandler.__init__ assigns it; the property always wins


def get_run_logger(**extra: Any) -> logging.LoggerAdapter[logging.Logger]:
    """Return a logger for the current task or flow run.

    Raises:
        MissingContextError: Outside a run.
    """
    configure_logging()
    tctx = task_run_ctx.get()
    fctx = flow_run_ctx.get()
    if tctx is not None:
        logger = logging.getLogger("taskbook.task_runs")
        extra = {
            "task_run_id": tctx.task_run.id,
            "task_run_name": tctx.task_run.name,
            **extra,
        }
    elif fctx is not None:
        logger = logging.getLogger("taskbook.flow_runs")
        extra = {
            "flow_run_id": fctx.flow_run.id,
            "flow_run_name": fctx.flow_run.name,
            **extra,
        }
    elif _run_loggers_disabled():
        # Prefect's escape hatch for calling ``.fn()`` in tests: a logger that drops all.
        logger = logging.getLogger("null")
        logger.disabled = True
    else:
        raise MissingContextError.from_function("get_run_logger()")
    return logging.LoggerAdapter(logger, extra)


def _run_loggers_disabled() -> bool:
    return all(logging.getLogger(n).disabled for n in _RUN_LOGGERS)


_RUN_LOGGERS = ("taskbook.flow_runs", "taskbook.task_runs")


def get_logger(name: str | None = None) -> logging.Logger:
    """Return taskbook's logger, or its child ``name`` (Prefect's ``get_logger``).

    ``get_logger("engine")`` is ``taskbook.engine``; a name that already starts
    with ``taskbook.`` is taken as it is. For logging inside runs, use
    ``get_run_logger``.
    """
    configure_logging()
    parent = logging.getLogger("taskbook")
    if not name:
        return parent
    if name.startswith(parent.name + "."):
        return logging.getLogger(name)
    return parent.getChild(name)


@contextmanager
def disable_run_logger() -> Iterator[None]:
    """Silence the flow and task run loggers in the block (Prefect's test helper).

    Inside it, ``get_run_logger()`` outside a run returns a logger that drops
    every line instead of raising ``MissingContextError``, so ``my_task.fn()``
    of a task that logs can run in a unit test. On exit both loggers are as
    they were.
    """
    loggers = [logging.getLogger(n) for n in _RUN_LOGGERS]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, disabled in zip(loggers, before, strict=True):
            logger.disabled = disabled


def flow_run_logger(
    flow_run: Any = None,
    flow: Any = None,
    flow_run_id: str | None = None,
    **extra: Any,
) -> logging.LoggerAdapter[logging.Logger]:
    """Return a logger for a given flow run (Prefect's, for state hooks).

    Lines are recorded with the run that is current where they are logged (a
    hook runs inside its run).

    Raises:
        ValueError: If neither ``flow_run`` nor ``flow_run_id`` is given.
    """
    if flow_run is None and flow_run_id is None:
        raise ValueError("Either 'flow_run' or 'flow_run_id' must be provided.")
    configure_logging()
    return logging.LoggerAdapter(
        logging.getLogger("taskbook.flow_runs"),
        {
            "flow_run_id": flow_run.id if flow_run is not None else flow_run_id,
            "flow_run_name": getattr(flow_run, "name", "<unknown>"),
            "flow_name": getattr(flow, "name", "<unknown>"),
            **extra,
        },
    )


def task_run_logger(
    task_run: Any,
    task: Any = None,
    flow_run: Any = None,
    flow: Any = None,
    **extra: Any,
) -> logging.LoggerAdapter[logging.Logger]:
    """Return a logger for a given task run (Prefect's, for state hooks)."""
    configure_logging()
    fctx = flow_run_ctx.get()
    flow_run = flow_run or (fctx.flow_run if fctx else None)
    flow = flow or (fctx.flow if fctx else None)
    return logging.LoggerAdapter(
        logging.getLogger("taskbook.task_runs"),
        {
            "task_run_id": task_run.id,
            "task_run_name": task_run.name,
            "task_name": getattr(task, "name", "<unknown>"),
            "flow_run_id": getattr(flow_run, "id", "<unknown>"),
            "flow_run_name": getattr(flow_run, "name", "<unknown>"),
            "flow_name": getattr(flow, "name", "<unknown>"),
            **extra,
        },
    )


def _print(*args: Any, **kwargs: Any) -> None:
    """``print`` that becomes a log line inside runs with ``log_prints``."""
    tctx = task_run_ctx.get()
    fctx = flow_run_ctx.get()
    active = tctx.log_prints if tctx is not None else bool(fctx and fctx.log_prints)
    target = kwargs.get("file")
    if not active or (target is not None and target not in (sys.stdout, sys.stderr)):
        if masking_active():  # a secret printed outside a run is hidden too
            args = tuple(mask(str(a)) for a in args)
        _original_print(*args, **kwargs)
        return
    sep = kwargs.get("sep", " ")
    sep = " " if sep is None else sep
    name = "taskbook.task_runs" if tctx is not None else "taskbook.flow_runs"
    logging.getLogger(name).info(sep.join(str(a) for a in args))
