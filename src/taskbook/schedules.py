"""Schedules of served flows (``from taskbook.schedules import Cron``), as Prefect 3's
``prefect.schedules``: ``Schedule`` and its makers ``Cron``, ``Interval``, ``RRule``."""

from __future__ import annotations

from taskbook.schedule.objects import Cron, Interval, RRule, Schedule

__all__ = ("Cron", "Interval", "RRule", "Schedule")
