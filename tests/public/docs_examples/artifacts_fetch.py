# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/artifacts.mdx
# (section "Fetching artifacts"), PrefectHQ/prefect at 16fd0f73, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.

from prefect.artifacts import Artifact


my_retrieved_artifact = Artifact.get("my_artifact_key")
print(my_retrieved_artifact)  # added for the test: no artifact has this key
