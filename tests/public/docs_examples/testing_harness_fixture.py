# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/test-workflows.mdx
# (section "Run flows against a temporary database: as a pytest fixture"), PrefectHQ/prefect at 0e38662d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow
import pytest
from prefect.testing.utilities import prefect_test_harness

@pytest.fixture(autouse=True, scope="session")
def prefect_test_fixture():
    with prefect_test_harness():
        yield

@flow
def my_favorite_flow():
    return 42

def test_my_favorite_flow():
    assert my_favorite_flow() == 42


if __name__ == "__main__":  # added for the test
    pytest.main([__file__, "-q", "-p", "no:cacheprovider"])  # added for the test
