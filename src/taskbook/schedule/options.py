"""The schedule options of the command line (``--cron``/``--interval``/``--rrule``,
``--tz``, ``--anchor``, ``--day-and``) as one checked ``When``, and as the keywords
of Prefect's ``flow.serve``, so ``taskbook schedule add`` and an export to Prefect
read them alike and refuse the same bad input (``taskbook.errors``, exit 2).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from taskbook.core.options import parse_seconds
from taskbook.core.schedule import When, prefect_serve_kwargs
from taskbook.errors import InvalidIntervalError, InvalidScheduleError
from taskbook.schedule.times import make_cron, make_interval, make_rrule

__all__ = ("ScheduleOptions", "prefect_serve_kwargs_for")


@dataclass(frozen=True, slots=True)
class ScheduleOptions:
    """What the schedule flags say: exactly one of ``cron``, ``interval``
    (seconds, or ``"90s"``, ``"10m"``, ``"2h"``, ``"1d"``) and ``rrule``; the zone
    ``tz`` (IANA, default UTC); for an interval, the ``anchor`` it counts from
    (ISO 8601, wall-clock time of ``tz``; default now); for cron, ``day_and``."""

    cron: str | None = None
    interval: str | float | None = None
    rrule: str | None = None
    tz: str | None = None
    anchor: str | None = None
    day_and: bool = False

    def when(self, now: float | None = None) -> When:
        """Return the checked schedule (an interval anchored at ``now`` by default).

        Raises:
            InvalidScheduleError: None or several of cron, interval and rrule, an
                option that does not go with the one given, or a bad anchor.
            InvalidCronError, InvalidIntervalError, InvalidRRuleError,
            UnknownTimeZoneError: That value is bad.
        """
        self._check_combination()
        if self.cron is not None:
            return make_cron(self.cron, self.tz, day_or=not self.day_and)
        if self.rrule is not None:
            return make_rrule(self.rrule, self.tz)
        interval = self.interval
        assert interval is not None
        try:
            seconds = parse_seconds(interval) if isinstance(interval, str) else interval
        except ValueError:
            raise InvalidIntervalError.from_value(interval) from None
        anchor = _anchor(self.anchor, time.time() if now is None else now)
        return make_interval(seconds, anchor, self.tz)

    def _check_combination(self) -> None:
        given = [
            flag
            for flag, value in (
                ("--cron", self.cron),
                ("--interval", self.interval),
                ("--rrule", self.rrule),
            )
            if value is not None
        ]
        if len(given) != 1:
            problem = (
                "No schedule was given"
                if not given
                else f"{' and '.join(given)} were both given"
            )
            raise InvalidScheduleError.from_problem(
                problem, "Give exactly one of --cron EXPR, --interval S or --rrule RULE"
            )
        if self.anchor is not None and self.interval is None:
            raise InvalidScheduleError.from_problem(
                "--anchor was given without --interval",
                "Leave --anchor out, or use --interval",
            )
        if self.day_and and self.cron is None:
            raise InvalidScheduleError.from_problem(
                "--day-and was given without --cron",
                "Leave --day-and out, or use --cron",
            )


def _anchor(text: str | None, now: float) -> dt.datetime:
    if text is None:
        return dt.datetime.fromtimestamp(int(now), dt.timezone.utc)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidScheduleError.from_problem(
            f"--anchor {text!r} is not a date and time",
            "Write it in ISO 8601, such as 2024-01-01T06:00",
        ) from None


def prefect_serve_kwargs_for(
    options: ScheduleOptions, parameters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the keywords of Prefect 3's ``flow.serve`` for these schedule options
    (checked as ``taskbook schedule add`` checks them).

    ``{"cron": EXPR}`` or ``{"rrule": RULE}`` when that loses nothing (UTC, no
    parameters); otherwise ``{"schedule": ...}``, a ``prefect.schedules``
    ``Cron``/``Interval``/``RRule`` call with ``timezone=`` (Prefect's name for
    the zone), the interval's ``anchor_date`` and the ``parameters``. ``repr()``
    of each value is Python source and ``kwargs["schedule"].imports`` lists the
    import lines it needs, so an export writes ``flow.serve(name=..., cron='0 6 *
    * *')`` or ``flow.serve(name=..., schedule=Cron('0 6 * * *',
    timezone='Europe/Berlin'))``.

    Raises:
        The errors of ``ScheduleOptions.when``.
    """
    return prefect_serve_kwargs(options.when(), parameters)
