"""The notebook is the flow: cells run as engine tasks with caching and output capture.

An edge package: it may use IPython (cells run in an ``InteractiveShell`` namespace)
but never ipykernel or widgets, so the headless CLI and the kernel share it.
"""
