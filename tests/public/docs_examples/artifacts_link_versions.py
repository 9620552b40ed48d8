# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/artifacts.mdx
# (section "Create link artifacts"), PrefectHQ/prefect at 16fd0f73, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.

from prefect import flow, task
from prefect.artifacts import create_link_artifact
from prefect.artifacts import Artifact  # added for the test


@task
def my_first_task():
        create_link_artifact(
            key="irregular-data",
            link="https://nyc3.digitaloceanspaces.com/my-bucket-name/highly_variable_data.csv",
            description="## Highly variable data",
        )


@task
def my_second_task():
        create_link_artifact(
            key="irregular-data",
            link="https://nyc3.digitaloceanspaces.com/my-bucket-name/low_pred_data.csv",
            description="# Low prediction accuracy",
        )


@flow
def my_flow():
    my_first_task()
    my_second_task()


if __name__ == "__main__":
    my_flow()
    latest = Artifact.get("irregular-data")  # added for the test
    print(latest.type, latest.data, latest.description)  # added for the test
