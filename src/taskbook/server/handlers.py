"""REST handlers: ``GET taskbook/api/runs``, ``taskbook/api/cells`` and ``taskbook/api/dag``.

All take ``?path=`` (a notebook, relative to the server root), need the
server's authentication (token or login cookie; no token: 403) and only read:
the notebook must resolve inside the root, and its store must be inside the
root too unless the server's own ``$TASKBOOK_HOME`` names it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from taskbook.engine.home import find_home
from taskbook.errors import TaskbookError
from taskbook.protocol.messages import CellsReply, encode
from taskbook.server import dag, store

__all__ = ("setup_handlers",)


class _NotebookHandler(APIHandler):
    """Resolve ``?path=`` to a notebook in the root and its store."""

    root: Path

    def initialize(self, root: str) -> None:
        self.root = Path(root).resolve()

    def _locate(self) -> tuple[Path, Path | None]:
        relative = self.get_query_argument("path", "")
        if not relative.endswith(".ipynb"):
            raise tornado.web.HTTPError(400, f"path {relative!r} is not a notebook")
        notebook = (self.root / relative.lstrip("/")).resolve()
        if not notebook.is_relative_to(self.root) or not notebook.is_file():
            # Outside the root and missing answer alike: nothing is revealed.
            raise tornado.web.HTTPError(404, f"no notebook {relative!r} in the root")
        home = find_home(notebook.parent).resolve()
        configured = bool(os.environ.get("TASKBOOK_HOME"))
        if not configured and not home.is_relative_to(self.root):
            return notebook, None  # a store above the root is not ours to read
        return notebook, home

    def _reply(self, body: dict[str, Any]) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class RunsHandler(_NotebookHandler):
    """The notebook's flow runs, newest first."""

    @tornado.web.authenticated
    def get(self) -> None:
        notebook, home = self._locate()
        rows = [] if home is None else store.runs(home, notebook.stem)
        self._reply({"runs": rows})


class CellsHandler(_NotebookHandler):
    """The saved notebook's cells and their last recorded states (``CellsReply``)."""

    @tornado.web.authenticated
    def get(self) -> None:
        notebook, home = self._locate()
        tasks, cells = store.cell_states(home, notebook)
        self._reply(encode(CellsReply(tasks, cells)))


class DagHandler(_NotebookHandler):
    """The saved notebook's DAG as SVG, nodes coloured by their last states.

    204 when the notebook has no DAG cells; 422 with a one-line JSON
    ``message`` when it cannot be read or its DAG cannot be built.
    """

    @tornado.web.authenticated
    def get(self) -> None:
        notebook, home = self._locate()
        try:
            svg = dag.dag_svg(home, notebook)
        except TaskbookError as error:
            # One line, and no server paths: the message names the notebook relatively.
            message = str(error).replace(f"{self.root}{os.sep}", "").splitlines()[0]
            raise tornado.web.HTTPError(422, message) from None
        if svg is None:
            self.set_status(204)
            self.finish()
            return
        self.set_header("Cache-Control", "no-store")
        self.finish(svg, set_content_type="image/svg+xml; charset=utf-8")


def setup_handlers(web_app: Any, root_dir: str) -> None:
    """Add the handlers to the server's tornado application."""
    base = url_path_join(web_app.settings["base_url"], "taskbook", "api")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "runs"), RunsHandler, {"root": root_dir}),
            (url_path_join(base, "cells"), CellsHandler, {"root": root_dir}),
            (url_path_join(base, "dag"), DagHandler, {"root": root_dir}),
        ],
    )
