"""A cache hit needs the files its run wrote: deleted or changed, the task runs again.

Real files under tmp_path (the working directory), real diskcache; the files are
written the ways user code writes them (``open``, pandas, ``os.replace``, pyarrow
through ``open``), and seen through Python's audit events.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import diskcache
import pytest

import taskbook
from taskbook import flow, task
from taskbook.cache_policies import INPUTS, TASK_SOURCE

pytestmark = pytest.mark.usefixtures("isolated_home")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _state(flow_fn: Any) -> str:
    return flow_fn()["state"].name


def test_a_hit_whose_output_file_was_deleted_runs_again_and_writes_it_back() -> None:
    runs: list[str] = []

    @task(cache_policy=INPUTS)
    def save(name: str) -> str:
        runs.append(name)
        Path(name).write_text("rows\n")
        return name

    @flow
    def pipeline() -> dict[str, Any]:
        return {"state": save("out.txt", return_state=True)}

    assert _state(pipeline) == "Completed"
    assert _state(pipeline) == "Cached"
    os.remove("out.txt")

    assert _state(pipeline) == "Completed"
    assert Path("out.txt").read_text() == "rows\n"
    assert runs == ["out.txt", "out.txt"]
    assert _state(pipeline) == "Cached"


def test_a_file_changed_by_someone_else_reruns_the_task_that_wrote_it() -> None:
    runs: list[int] = []

    @task(cache_policy=INPUTS)
    def save(n: int) -> int:
        runs.append(n)
        with open("numbers.csv", "w") as file:
            file.write(",".join(map(str, range(n))))
        return n

    @flow
    def pipeline() -> dict[str, Any]:
        return {"state": save(5, return_state=True)}

    pipeline()
    Path("numbers.csv").write_text("edited by hand")

    assert _state(pipeline) == "Completed"
    assert Path("numbers.csv").read_text() == "0,1,2,3,4"
    assert runs == [5, 5]


def test_the_same_bytes_written_again_by_someone_else_keep_the_hit() -> None:
    @task(cache_policy=INPUTS)
    def save(text: str) -> str:
        Path("note.txt").write_text(text)
        return text

    @flow
    def pipeline() -> dict[str, Any]:
        return {"state": save("same", return_state=True)}

    pipeline()
    stat = os.stat("note.txt")
    Path("note.txt").write_text("same")
    os.utime("note.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    assert _state(pipeline) == "Cached"


def test_atomic_writes_and_pandas_writers_are_recorded() -> None:
    pd = pytest.importorskip("pandas")
    runs: list[str] = []

    @task(cache_policy=INPUTS)
    def export(n: int) -> int:
        runs.append("export")
        frame = pd.DataFrame({"x": range(n)})
        frame.to_csv("frame.csv", index=False)
        frame.to_json("frame.json")
        with open("state.tmp", "w") as file:
            file.write(str(n))
        os.replace("state.tmp", "state.txt")
        return n

    @flow
    def pipeline() -> dict[str, Any]:
        return {"state": export(3, return_state=True)}

    pipeline()
    for name in ("frame.csv", "frame.json", "state.txt"):
        assert _state(pipeline) == "Cached"
        os.remove(name)
        assert _state(pipeline) == "Completed", name
        assert Path(name).exists()
    assert runs == ["export"] * 4


def test_parallel_tasks_keep_their_files_apart() -> None:
    runs: list[str] = []

    @task(cache_policy=INPUTS)
    def save(name: str) -> str:
        runs.append(name)
        Path(name).write_text(name)
        return name

    @flow
    def pipeline() -> dict[str, Any]:
        futures = save.map(["a.txt", "b.txt", "c.txt"])
        futures.wait()
        return {"states": [f.state for f in futures]}

    pipeline()
    runs.clear()
    os.remove("b.txt")

    states = [s.name for s in pipeline()["states"]]

    assert states == ["Cached", "Completed", "Cached"]
    assert runs == ["b.txt"]


def test_files_written_by_a_task_called_inside_another_count_for_both() -> None:
    runs: list[str] = []

    @task(cache_policy=INPUTS + TASK_SOURCE)
    def inner(name: str) -> str:
        runs.append("inner")
        Path(name).write_text("x")
        return name

    @task(cache_policy=INPUTS + TASK_SOURCE)
    def outer(name: str) -> str:
        runs.append("outer")
        return inner(name)

    @flow
    def pipeline() -> dict[str, Any]:
        return {"state": outer("nested.txt", return_state=True)}

    pipeline()
    os.remove("nested.txt")

    assert _state(pipeline) == "Completed"
    assert runs == ["outer", "inner", "outer", "inner"]


def test_a_file_two_tasks_write_keeps_both_cached_on_the_next_run() -> None:
    runs: list[str] = []

    @task(cache_policy=INPUTS + TASK_SOURCE)
    def header(path: str) -> str:
        runs.append("header")
        Path(path).write_text("a,b\n")
        return path

    @task(cache_policy=INPUTS + TASK_SOURCE)
    def rows(path: str) -> str:
        runs.append("rows")
        with open(path, "a") as file:
            file.write("1,2\n")
        return path

    @flow
    def pipeline() -> dict[str, Any]:
        first = header("table.csv", return_state=True)
        return {"state": rows(first.result(), return_state=True), "first": first}

    pipeline()
    outcome = pipeline()

    assert (outcome["first"].name, outcome["state"].name) == ("Cached", "Cached")
    assert runs == ["header", "rows"]
    assert Path("table.csv").read_text() == "a,b\n1,2\n"


def test_a_file_a_later_task_removes_is_no_loss_for_its_writer() -> None:
    runs: list[str] = []

    @task(cache_policy=INPUTS + TASK_SOURCE)
    def stage(path: str) -> str:
        runs.append("stage")
        Path(path).write_text("tmp")
        return path

    @task(cache_policy=INPUTS + TASK_SOURCE)
    def consume(path: str) -> str:
        runs.append("consume")
        os.remove(path)
        return path

    @flow
    def pipeline() -> dict[str, Any]:
        staged = stage("scratch.txt", return_state=True)
        return {"state": consume(staged.result(), return_state=True)}

    pipeline()

    assert _state(pipeline) == "Cached"
    assert runs == ["stage", "consume"]


def test_taskbook_s_own_files_are_not_outputs(isolated_home: Path) -> None:
    @task(cache_policy=INPUTS)
    def big(n: int) -> bytes:
        return b"x" * n  # large enough for diskcache to store it as a file

    @flow
    def pipeline() -> dict[str, Any]:
        return {"state": big(200_000, return_state=True)}

    pipeline()
    key = taskbook.get_run(taskbook.runs().id[0]).task_runs[0].cache_key
    with diskcache.Cache(str(isolated_home / "cache")) as raw:
        assert raw[key][2] == ()
    assert _state(pipeline) == "Cached"


def test_an_entry_stored_before_files_were_recorded_is_not_trusted(
    isolated_home: Path,
) -> None:
    runs: list[int] = []

    @task(cache_policy=INPUTS)
    def save(n: int) -> int:
        runs.append(n)
        Path("old.txt").write_text(str(n))
        return n

    @flow
    def pipeline() -> dict[str, Any]:
        return {"state": save(1, return_state=True)}

    pipeline()
    key = taskbook.get_run(taskbook.runs().id[0]).task_runs[0].cache_key
    with diskcache.Cache(str(isolated_home / "cache")) as raw:
        payload, expires, _files = raw[key]
        raw.set(key, (payload, expires))  # the format of taskbook before files
    os.remove("old.txt")

    assert _state(pipeline) == "Completed"
    assert Path("old.txt").exists()
    assert _state(pipeline) == "Cached"


def test_a_file_opened_for_appending_is_intact_while_it_keeps_what_was_written() -> (
    None
):
    runs: list[str] = []

    @task(cache_policy=INPUTS)
    def note(line: str) -> str:
        runs.append(line)
        with open("journal.txt", "a") as file:
            file.write(line + "\n")
        return line

    @flow
    def pipeline() -> dict[str, Any]:
        return {"state": note("started", return_state=True)}

    pipeline()
    with open("journal.txt", "a") as file:
        file.write("appended by someone else\n")
    assert _state(pipeline) == "Cached"

    Path("journal.txt").write_text("")
    assert _state(pipeline) == "Completed"
    assert runs == ["started", "started"]


def test_files_a_task_writes_in_a_worker_process_are_recorded_too() -> None:
    from taskbook.task_runners import ProcessPoolTaskRunner

    @task(cache_policy=INPUTS)
    def save(name: str) -> str:
        Path(name).write_text(str(os.getpid()))
        return name

    @flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
    def pipeline() -> dict[str, Any]:
        future = save.submit("worker.txt")
        future.wait()
        return {"state": future.state}

    first = pipeline()["state"]
    written_by = Path("worker.txt").read_text()
    os.remove("worker.txt")

    assert (first.name, _state(pipeline)) == ("Completed", "Completed")
    assert written_by != str(os.getpid())  # it really ran in another process
    assert Path("worker.txt").exists()
