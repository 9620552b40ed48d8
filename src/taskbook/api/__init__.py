"""The public Python API: @task, @flow, futures, artifacts, run history."""
