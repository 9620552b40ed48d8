# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/test-workflows.mdx
# (section "Run flows against a temporary database"), PrefectHQ/prefect at 0e38662d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow
from prefect.testing.utilities import prefect_test_harness

@flow
def my_favorite_flow():
    return 42

def test_my_favorite_flow():
  with prefect_test_harness():
      # run the flow against a temporary testing database
      assert my_favorite_flow() == 42


test_my_favorite_flow()  # added for the test
print("ok")  # added for the test
