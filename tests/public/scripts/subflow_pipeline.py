"""A parent flow calling subflows, with validated parameters, run-name templates and tags."""

from __future__ import annotations

from prefect import flow, tags, task

seen_runs: list[str] = []
seen_task_tags: list[str] = []


def remember_flow_run(flow, flow_run, state) -> None:
    seen_runs.append(
        f"{flow.name} | {flow_run.name} | {state.name} | tags={sorted(flow_run.tags)}"
    )


def remember_task_tags(task, task_run, state) -> None:
    seen_task_tags.append(f"{task_run.name.split('-')[0]} tags={sorted(task_run.tags)}")


@task(tags=["io"], task_run_name="fetch-{region}", on_completion=[remember_task_tags])
def fetch(region: str, days: int) -> list[int]:
    return [len(region) * d for d in range(1, days + 1)]


@flow(flow_run_name="ingest-{region}-{days}d", on_completion=[remember_flow_run])
def ingest(region: str, days: int = 2) -> int:
    return sum(fetch(region, days))


@flow(flow_run_name="report-{total}", on_completion=[remember_flow_run])
def build_report(total: int, regions: list[str]) -> str:
    return f"{len(regions)} regions, total={total}"


@flow(
    name="regional_pipeline",
    flow_run_name="pipeline-{days}",
    on_completion=[remember_flow_run],
)
def regional_pipeline(regions: list[str], days: int = 1, scale: float = 1.0) -> str:
    totals = {}
    with tags("nightly"):
        for region in regions:
            totals[region] = ingest(region, days)
    total = int(sum(totals.values()) * scale)
    return build_report(total, regions)


if __name__ == "__main__":
    # "3" and "2" are coerced by the flows' type annotations (pydantic).
    report = regional_pipeline(regions=["eu", "apac"], days="3", scale="2")
    print(report)
    for line in seen_runs:
        print(line)
    for line in seen_task_tags:
        print(line)
