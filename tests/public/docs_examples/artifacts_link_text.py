# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/artifacts.mdx
# (section "Create link artifacts", link_text), PrefectHQ/prefect at 16fd0f73, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.

from prefect import flow
from prefect.artifacts import create_link_artifact
from prefect.artifacts import Artifact  # added for the test


@flow
def my_flow():
    create_link_artifact(
        key="my-important-link",
        link="https://www.prefect.io/",
        link_text="Prefect",
    )


if __name__ == "__main__":
    my_flow()
    print(Artifact.get("my-important-link").data)  # added for the test
