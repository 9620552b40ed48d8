"""Helpers for testing flows (Prefect's ``prefect.testing``)."""
