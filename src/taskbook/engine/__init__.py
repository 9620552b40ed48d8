"""The engine: runs tasks and flows, records every state. Knows nothing about Jupyter."""
