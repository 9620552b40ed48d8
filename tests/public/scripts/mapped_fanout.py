"""Fan-out/fan-in with .map, unmapped, a broadcast string, wait_for, wait and as_completed."""

from __future__ import annotations

from prefect import flow, task, unmapped
from prefect.futures import as_completed, wait
from prefect.task_runners import ThreadPoolTaskRunner

events: list[str] = []


@task
def prepare_bucket(name: str) -> str:
    events.append(f"prepared {name}")
    return name


@task
def list_files(n: int) -> list[int]:
    return list(range(1, n + 1))


@task
def measure(file_id: int, unit: str, weights: dict[str, int]) -> str:
    return f"{unit}:{file_id * weights[unit]}"


@task
def square(x: int) -> int:
    return x * x


@task
def summarize(values: list[str], bucket: str) -> str:
    events.append("summarized")
    return f"{bucket}: " + ", ".join(values)


@flow(task_runner=ThreadPoolTaskRunner(max_workers=4))
def fan_out(n: int = 4) -> dict[str, object]:
    bucket = prepare_bucket.submit("reports")
    files = list_files.submit(n)
    # "kb" is a string: it is passed whole to every mapped call, not iterated.
    measured = measure.map(
        files, "kb", unmapped({"kb": 10, "mb": 1}), wait_for=[bucket]
    )
    summary = summarize.submit(measured, bucket)

    squares = square.map([3, 1, 2])
    done, not_done = wait(squares)
    finished = sorted(f.result() for f in as_completed(squares))
    return {
        "summary": summary.result(),
        "measured": measured.result(),
        "squares_in_order": [f.result() for f in squares],
        "as_completed": finished,
        "done": len(done),
        "not_done": len(not_done),
    }


if __name__ == "__main__":
    out = fan_out()
    print(out["summary"])
    print("measured:", out["measured"])
    print("squares:", out["squares_in_order"])
    print("as_completed sorted:", out["as_completed"])
    print(f"wait: {out['done']} done, {out['not_done']} not done")
    print("events:", events)
