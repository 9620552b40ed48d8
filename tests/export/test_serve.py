"""``--target prefect`` with a schedule: ``main`` serves the flow the way Prefect 3 takes it.

The schedule comes from the caller as a checked ``When`` (``ServeSchedule``, built by
``taskbook export --cron/--interval/--rrule/--tz`` as ``taskbook schedule add``
builds it); the module is run under real Prefect with ``Flow.serve`` replaced by a recorder, so no server and
no waiting: what is checked is the call Prefect receives.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.export.conftest import export_text
from tests.export.running import prefect_python

from taskbook.export import ServeSchedule
from taskbook.schedule.options import ScheduleOptions

CELLS = [("n: int = 1", ["parameters"]), "print(n)"]

RECORD = """\
import json, runpy, sys
import prefect.flows

def serve(self, **keywords):
    schedule = keywords.pop("schedule", None)
    if schedule is not None:
        keywords["schedule"] = {
            "kind": type(schedule).__name__,
            "cron": schedule.cron,
            "interval": schedule.interval and schedule.interval.total_seconds(),
            "rrule": schedule.rrule,
            "timezone": schedule.timezone,
            # Prefect gives every schedule an anchor (now); only an interval's is ours.
            "anchor_date": schedule.interval and schedule.anchor_date.isoformat(),
        }
    keywords["flow"] = self.name
    print(json.dumps(keywords, sort_keys=True))

prefect.flows.Flow.serve = serve
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

CASES = [
    (
        ServeSchedule(ScheduleOptions(cron="0 6 * * *").when()),
        {"name": "nb", "cron": "0 6 * * *"},
    ),
    (
        ServeSchedule(
            ScheduleOptions(interval="15m", anchor="2024-01-01T06:00").when(),
            name="quarterly",
        ),
        {
            "name": "quarterly",
            "schedule": {
                "kind": "Schedule",
                "cron": None,
                "interval": 900,
                "rrule": None,
                "timezone": None,
                "anchor_date": "2024-01-01T06:00:00+00:00",
            },
        },
    ),
    (
        ServeSchedule(
            ScheduleOptions(rrule="FREQ=DAILY;BYHOUR=6", tz="Europe/Berlin").when()
        ),
        {
            "name": "nb",
            "schedule": {
                "kind": "Schedule",
                "cron": None,
                "interval": None,
                "rrule": "FREQ=DAILY;BYHOUR=6",
                "timezone": "Europe/Berlin",
                "anchor_date": None,  # no interval
            },
        },
    ),
]


def test_the_module_serves_with_the_keywords_schedule_add_documents() -> None:
    """Without Prefect: the text of main's call, and that the module compiles."""
    when = ScheduleOptions(cron="0 6 * * 1-5", tz="Europe/Berlin").when()
    text = export_text(CELLS, "prefect", schedule=ServeSchedule(when, name="daily"))

    assert "from prefect.schedules import Cron" in text
    assert "schedule=Cron('0 6 * * 1-5', timezone='Europe/Berlin')" in text
    assert "name='daily'" in text or 'name="daily"' in text
    compile(text, "nb.py", "exec")


@pytest.mark.slow
@pytest.mark.timeout(600)  # importing Prefect takes a while on a busy machine
@pytest.mark.parametrize(
    ("schedule", "expected"), CASES, ids=["cron", "interval", "rrule+tz"]
)
def test_main_serves_the_flow_on_the_callers_schedule(
    schedule, expected, tmp_path: Path
):
    python = prefect_python()
    module = tmp_path / "nb.py"
    module.write_text(export_text(CELLS, "prefect", schedule=schedule))
    recorder = tmp_path / "record.py"
    recorder.write_text(RECORD)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    done = subprocess.run(
        [python, str(recorder), str(module), "-p", "n", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    served = json.loads(done.stdout.splitlines()[-1])
    assert served == {**expected, "flow": "nb", "parameters": {"n": 2}}
