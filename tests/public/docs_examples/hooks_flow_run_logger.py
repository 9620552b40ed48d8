# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/state-change-hooks.mdx
# (section "Log from state change hooks"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow
from prefect.logging.loggers import flow_run_logger


def my_hook(flow, flow_run, state):
    logger = flow_run_logger(flow_run, flow)
    logger.info(f"Flow {flow_run.name} entered state {state.name}")


@flow(on_failure=[my_hook])
def failing_flow():
    raise ValueError("oops!")


print(failing_flow(return_state=True).name)  # added for the test
