# From Prefect 3's documentation: docs/v3/concepts/tasks.mdx
# (section "Task inputs: quote"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from dataclasses import dataclass

from prefect import flow, task
from prefect.utilities.annotations import quote


@dataclass
class Pipeline:
    base_rate: float
    adjusted_rate: float = 0.0

    def __post_init__(self):
        self.adjusted_rate = self.base_rate * 1.5


@task(log_prints=True)
def run_pipeline(pipeline: Pipeline):
    print(f"adjusted_rate = {pipeline.adjusted_rate}")


@flow(log_prints=True)
def my_flow():
    pipeline = Pipeline(base_rate=100.0)
    run_pipeline(quote(pipeline))


my_flow()
