# From Prefect 3's documentation: docs/v3/concepts/runtime-context.mdx
# (section "Access the run context directly"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect.context import FlowRunContext, TaskRunContext

flow_run_ctx = FlowRunContext.get()
task_run_ctx = TaskRunContext.get()

print(flow_run_ctx, task_run_ctx)  # added for the test
