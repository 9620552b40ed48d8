"""Prefect's ``prefect.utilities`` path: only what Prefect code imports from it."""
