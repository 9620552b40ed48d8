"""The Jupyter server extension: run history and badge states over authenticated REST.

Enabled by the wheel's ``jupyter_server_config.d/taskbook.json``; the handlers are
in ``handlers``, the store reads in ``store``.
"""

from __future__ import annotations

from typing import Any

__all__ = ("_load_jupyter_server_extension",)


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Register the handlers under ``{base_url}taskbook/api/``."""
    from taskbook.server.handlers import setup_handlers

    setup_handlers(server_app.web_app, server_app.root_dir)
    server_app.log.info("taskbook: server extension loaded")
