# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/artifacts.mdx
# (section "Create table artifacts"), PrefectHQ/prefect at 16fd0f73, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.

from prefect.artifacts import create_table_artifact
from prefect.artifacts import Artifact  # added for the test


def my_fn():
    highest_churn_possibility = [
       {'customer_id':'12345', 'name': 'John Smith', 'churn_probability': 0.85 }, 
       {'customer_id':'56789', 'name': 'Jane Jones', 'churn_probability': 0.65 } 
    ]

    create_table_artifact(
        key="personalized-reachout",
        table=highest_churn_possibility,
        description= "# Marvin, please reach out to these customers today!"
    )


if __name__ == "__main__":
    my_fn()
    table = Artifact.get("personalized-reachout")  # added for the test
    print(table.type, table.data, table.flow_run_id)  # added for the test
