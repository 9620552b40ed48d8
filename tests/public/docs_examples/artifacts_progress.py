# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/artifacts.mdx
# (section "Create progress artifacts"), PrefectHQ/prefect at 16fd0f73, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.

from time import sleep

from prefect import flow, task
from prefect.artifacts import (
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.artifacts import Artifact  # added for the test


def fetch_batch(i: int):
    # Simulate fetching a batch of data
    sleep(0)  # changed for the test: sleep(2) (twenty seconds of waiting)


@task
def fetch_in_batches():
    progress_artifact_id = create_progress_artifact(
        progress=0.0,
        description="Indicates the progress of fetching data in batches.",
    )
    for i in range(1, 11):
        fetch_batch(i)
        update_progress_artifact(artifact_id=progress_artifact_id, progress=i * 10)
    return progress_artifact_id  # added for the test


@flow
def etl():
    return fetch_in_batches()  # changed for the test: returns the artifact's id


if __name__ == "__main__":
    artifact_id = etl()  # changed for the test: keeps the id
    print(type(artifact_id).__name__)  # added for the test
