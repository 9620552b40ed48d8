"""Notebook files: nbformat I/O and papermill's parameter conventions."""
