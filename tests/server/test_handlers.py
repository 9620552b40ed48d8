"""The server extension's REST handlers in a real ``jupyter server``: auth and the root."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow


@dataclass
class Server:
    base: str
    token: str
    root: Path

    def get(self, path: str, token: bool = True) -> tuple[int, dict]:
        status, _type, body = self.fetch(path, token)
        return status, json.loads(body) if status == 200 else {}

    def fetch(self, path: str, token: bool = True) -> tuple[int, str, bytes]:
        """Return the status, content type and body, errors included."""
        headers = {"Authorization": f"token {self.token}"} if token else {}
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return (
                    response.status,
                    response.headers["Content-Type"],
                    response.read(),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"] or "", error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("server-home")
    root = home / "root"
    (root / "project").mkdir(parents=True)
    (root / "project" / "pyproject.toml").write_text(
        ""
    )  # the project's store stops here
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "TASKBOOK_HOME"} | {
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    cmd = [
        sys.executable, "-m", "jupyter", "server", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", "--ServerApp.allow_root=True",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        '--ServerApp.jpserver_extensions={"taskbook": True}',
    ]  # fmt: skip
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            assert proc.poll() is None, (home / "server.log").read_text()
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield Server(base, token, root)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def run_notebook(server: Server, name: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%%task first\nx = 1"),
        nbformat.v4.new_code_cell("y = x + 1"),
    ]
    path = server.root / "project" / name
    nbformat.write(notebook, path)
    env = {k: v for k, v in os.environ.items() if k != "TASKBOOK_HOME"}
    subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "run", str(path)],
        check=True, env=env, cwd=path.parent, capture_output=True,
    )  # fmt: skip
    return path


def test_runs_and_cell_states_come_from_the_notebooks_store(server):
    path = run_notebook(server, "etl.ipynb")
    status, body = server.get("/taskbook/api/runs?path=project/etl.ipynb")
    assert status == 200
    assert [run["state_type"] for run in body["runs"]] == ["COMPLETED"]
    assert body["runs"][0]["task_runs"] == 2
    status, body = server.get("/taskbook/api/cells?path=project/etl.ipynb")
    assert status == 200
    ids = [cell["id"] for cell in nbformat.read(path, 4).cells]
    states = {cell["cell_id"]: cell["state"] for cell in body["cells"]}
    assert states == {ids[0]: "COMPLETED", ids[1]: "COMPLETED"}
    assert body["tasks"] == [
        {"cell_id": ids[0], "name": "first", "kind": "task"},
        {"cell_id": ids[1], "name": "cell-2", "kind": "cell"},
    ]


def test_the_dag_is_an_svg_naming_the_tasks_in_their_last_states(server):
    path = run_notebook(server, "dag.ipynb")
    status, content_type, body = server.fetch(
        "/taskbook/api/dag?path=project/dag.ipynb"
    )
    assert status == 200
    assert content_type.startswith("image/svg+xml")
    svg = body.decode()
    assert svg.startswith("<svg")
    assert 'viewBox="' in svg
    # Both cells of the saved file, as `taskbook run` reads them; both ran.
    names = re.findall(r'data-name="([^"]+)"', svg)
    assert names == ["first", "cell-2"]
    assert svg.count('data-state="COMPLETED"') == 2
    # An unsaved third task is not in the file: a fresh file drawing has no state.
    notebook = nbformat.read(path, 4)
    notebook.cells.append(nbformat.v4.new_code_cell("%%task third\nz = y"))
    nbformat.write(notebook, path)
    _, _, body = server.fetch("/taskbook/api/dag?path=project/dag.ipynb")
    third = re.search(r'<g class="tb-node"[^>]*data-name="third"[^>]*>', body.decode())
    assert third is not None
    assert 'data-state=""' in third.group(0)


def test_the_dag_of_two_task_cells_names_both_tasks(server):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%%task load\nrows = [1, 2]"),
        nbformat.v4.new_code_cell("%%task total\nsum(rows)"),
    ]
    nbformat.write(notebook, server.root / "two.ipynb")
    status, _, body = server.fetch("/taskbook/api/dag?path=two.ipynb")
    assert status == 200
    svg = body.decode()
    assert re.findall(r'data-name="([^"]+)"', svg) == ["load", "total"]
    assert 'data-from="' in svg  # total reads rows: an edge between them


def test_a_notebook_without_dag_cells_has_no_dag(server):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# notes only")]
    nbformat.write(notebook, server.root / "notes.ipynb")
    status, _, body = server.fetch("/taskbook/api/dag?path=notes.ipynb")
    assert (status, body) == (204, b"")


def test_a_missing_notebook_is_a_404_with_a_json_message(server):
    status, content_type, body = server.fetch("/taskbook/api/dag?path=nowhere.ipynb")
    assert status == 404
    assert content_type.startswith("application/json")
    assert json.loads(body)["message"] == "no notebook 'nowhere.ipynb' in the root"


def test_an_unreadable_notebook_is_a_one_line_json_message(server):
    (server.root / "broken.ipynb").write_text("{not json")
    status, _, body = server.fetch("/taskbook/api/dag?path=broken.ipynb")
    assert status == 422
    reply = json.loads(body)
    assert "broken.ipynb" in reply["message"]
    assert "\n" not in reply["message"]
    assert str(server.root) not in reply["message"]
    assert "traceback" not in reply


@pytest.mark.parametrize("endpoint", ["runs", "cells", "dag"])
def test_without_a_token_the_api_answers_403(server, endpoint):
    status, _ = server.get(f"/taskbook/api/{endpoint}?path=x.ipynb", token=False)
    assert status == 403


@pytest.mark.parametrize("endpoint", ["cells", "dag"])
@pytest.mark.parametrize(
    "path",
    ["../outside.ipynb", "/../../outside.ipynb", "project/../../outside.ipynb"],
)
def test_paths_outside_the_root_are_not_read(server, path, endpoint):
    outside = server.root.parent / "outside.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("%%task secret\ns = 1")]
    nbformat.write(notebook, outside)
    status, _, body = server.fetch(f"/taskbook/api/{endpoint}?path={path}")
    assert status == 404
    assert b"secret" not in body


def test_a_non_notebook_path_is_refused(server):
    status, _ = server.get("/taskbook/api/runs?path=project/pyproject.toml")
    assert status == 400


def test_a_store_above_the_root_is_not_read(server):
    # A .taskbook folder above the root (another project's store) stays unread.
    above = server.root.parent / ".taskbook"
    above.mkdir(exist_ok=True)
    (above / "runs.sqlite").write_text("not read")
    notebook = server.root / "loose.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    status, body = server.get("/taskbook/api/runs?path=loose.ipynb")
    assert (status, body) == (200, {"runs": []})


def login(server: Server) -> tuple[urllib.request.OpenerDirector, dict[str, str]]:
    """A browser-like client: the login cookie the token gives, and its cookies."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # A page visit with ?token= logs in as a browser does, and sets _xsrf.
    opener.open(f"{server.base}/tree?token={server.token}", timeout=10).close()
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert any(name.startswith("username-") for name in cookies), cookies
    return opener, cookies


def post(opener: urllib.request.OpenerDirector, url: str, headers: dict) -> int:
    request = urllib.request.Request(url, data=b"{}", method="POST", headers=headers)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("endpoint", ["runs", "cells", "dag"])
def test_the_api_is_read_only_and_a_cookie_post_without_xsrf_is_refused(
    server, endpoint
):
    opener, cookies = login(server)
    url = f"{server.base}/taskbook/api/{endpoint}?path=x.ipynb"
    # The login cookie alone is not enough for a write: no XSRF header, 403.
    assert post(opener, url, {}) == 403
    # With the XSRF header it gets past that check, to a handler with GET only.
    assert post(opener, url, {"X-XSRFToken": cookies["_xsrf"]}) == 405
    # The same cookie reads (GET needs no XSRF header).
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1")]  # a DAG to draw
    nbformat.write(notebook, server.root / "xsrf.ipynb")
    read = f"{server.base}/taskbook/api/{endpoint}?path=xsrf.ipynb"
    with opener.open(read, timeout=10) as response:
        assert response.status == 200
