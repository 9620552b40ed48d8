"""Browser-test harness: a real JupyterLab server driven by Debian's headless Chromium.

Fixtures (stable names; every test here is marked ``browser`` automatically):

- ``lab_server`` (session) -> ``LabServer``: ``base``, ``token``, ``root`` (server
  root, shared by the session: use unique notebook names), ``log``,
  ``taskbook_home``, ``pid``, ``url(path)``, ``api(method, path)``,
  ``shutdown_kernels()``. ``jupyter lab`` of this venv on a free port, token auth,
  JUPYTER_* dirs, IPYTHONDIR and ``TASKBOOK_HOME`` under tmp (nothing written to
  ``~`` or the repo); kernels are this venv's ``python3`` and import the taskbook
  under test. All sessions (kernels) are deleted after each test.
- ``notebook7_server`` (session) -> ``LabServer`` with ``app == "notebook"``: the
  same for ``jupyter notebook`` (Notebook 7), isolated the same way.
- ``browser`` (session): Playwright ``Browser`` on ``/usr/bin/chromium``, headless.
- ``page``: a fresh context and ``Page`` (1400x1000, 60 s default timeout); if
  the test fails, ``<test>-failure.png`` lands in the artifacts directory.
- ``console_messages``: ``"<type>: <text>"`` console lines and ``"pageerror: ..."``.
- ``notebook_page``: factory ``notebook_page(cells, name) -> NotebookPage``; cells
  are sources (code cells) or nbformat cells; the notebook is written into the
  server root and opened, kernel idle. ``NotebookPage``: ``run_all(wait=True)``,
  ``run_cell(i, wait=True)``, ``wait_idle()``, ``is_running(i)``, ``cell(i)``,
  ``output(i)``, ``wait_in_output(i, selector)``, ``wait_text(i, selector,
  pattern)``, ``screenshot(label)``, ``save()``, ``reopen_without_kernel()``,
  ``errors()``.
- ``notebook7_page``: the same factory in Notebook 7 (``/notebooks/NAME.ipynb``);
  the ``NotebookPage`` methods work there too.
- ``busy_cpus`` (session, automatic): with ``TASKBOOK_TEST_BUSY_CPUS=N``, N
  busy-loop processes run beside the session, as ``stress --cpu N`` would.
- ``artifacts_dir``: ``test-artifacts/browser/`` at the repo root (git-ignored);
  also receives ``jupyter-server.log`` (``jupyter-notebook7-server.log``) at the
  end of the session.

Test modules should not import playwright at module level (annotations under
``TYPE_CHECKING``): then a machine without it fails with this harness's message.
Chromium, JupyterLab and Playwright come from ``bash scripts/browser_deps.sh``;
when one is missing the tests fail (never skip) with a message naming it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import nbformat
    from playwright.sync_api import Browser, Locator, Page, Route

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Playwright adds --headless and a fresh temporary --user-data-dir itself.
CHROME_FLAGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update"),
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parents[1] / "test-artifacts" / "browser"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
_FAILED = pytest.StashKey[bool]()

NotebookFactory = Callable[
    [Sequence["str | nbformat.NotebookNode"], str], "NotebookPage"
]


def pytest_configure(config: pytest.Config) -> None:
    # Registered here until pyproject.toml lists it, so --strict-markers passes.
    config.addinivalue_line("markers", "browser: real JupyterLab + Chromium tests")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    report = yield
    if report.failed:  # read by the page fixture's teardown
        item.stash[_FAILED] = True
    return report


@pytest.fixture(scope="session", autouse=True)
def busy_cpus() -> Iterator[int]:
    """``TASKBOOK_TEST_BUSY_CPUS=N``: N busy-loop processes beside the whole session.

    As ``stress --cpu N`` would: the suite must pass on a machine that busy
    (scripts/browser_under_stress.sh runs it three times in a row that way).
    """
    count = int(os.environ.get("TASKBOOK_TEST_BUSY_CPUS", "0"))
    loops = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(count)
    ]
    try:
        yield count
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def _require(what: str, present: bool) -> None:
    if not present:
        pytest.fail(
            f"browser tests need {what}, which is missing; install it with "
            "`bash scripts/browser_deps.sh` (apt-get needs root)"
        )


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name)


@dataclass(frozen=True)
class LabServer:
    """A running ``jupyter lab`` or ``jupyter notebook``: its address and files."""

    base: str
    token: str
    root: Path
    log: Path
    taskbook_home: Path
    pid: int
    app: str = "lab"  # "lab" or "notebook" (Notebook 7)

    def url(self, path: str) -> str:
        """Return the URL of ``path`` (e.g. ``lab/tree/x.ipynb``) with the token."""
        return f"{self.base}/{path}{'&' if '?' in path else '?'}token={self.token}"

    def notebook_url(self, name: str) -> str:
        """Return the URL that opens notebook ``name`` in this server's app."""
        if self.app == "notebook":
            return self.url(f"notebooks/{name}")
        # ?reset: the workspace is shared by all contexts; without it earlier
        # notebooks reopen as hidden tabs.
        return self.url(f"lab/tree/{name}?reset")

    def api(self, method: str, path: str) -> Any:
        """Call the REST API (``path`` like ``/api/sessions``); return JSON or None."""
        headers = {"Authorization": f"token {self.token}"}
        req = urllib.request.Request(self.base + path, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Delete every session, which shuts its kernel down."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")


def _write_lab_settings(settings: Path) -> None:
    files = {
        # The news prompt ignores --LabApp.news_url=None; this setting stops it.
        "apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        # Every cell attached to the DOM, so cell(i) is the i-th .jp-Cell.
        "notebook-extension/tracker": {"windowingMode": "none"},
    }
    for name, value in files.items():
        path = settings / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


def _use_taskbook_extension(home: Path) -> dict[str, str]:
    """Serve the extension built from this checkout, and enable the server extension.

    The built extension (``src/taskbook/labextension``, made by the test command's
    install or ``jlpm build:prod``) is linked into a ``JUPYTER_PATH`` folder, which
    JupyterLab searches before the venv: the tests see this checkout's build even
    when the venv holds another taskbook.
    """
    built = HERE.parents[1] / "src" / "taskbook" / "labextension"
    _require(
        f"the built extension in {built} (run `cd labextension && jlpm install && "
        "jlpm build:prod`)",
        (built / "package.json").is_file(),
    )
    extensions = home / "jupyter-path" / "labextensions"
    extensions.mkdir(parents=True, exist_ok=True)
    (extensions / "taskbook").symlink_to(built, target_is_directory=True)
    enabled = home / "config" / "jupyter_server_config.d" / "taskbook.json"
    enabled.parent.mkdir(parents=True, exist_ok=True)
    enabled.write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"taskbook": True}}})
    )
    return {"JUPYTER_PATH": str(home / "jupyter-path")}


def _start_lab(
    home: Path, root: Path, app: str = "lab"
) -> tuple[subprocess.Popen[bytes], LabServer]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    token = secrets.token_hex(16)
    _write_lab_settings(home / "settings")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),  # labextensions stay in sys.prefix
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(home / "ipython"),
        "TASKBOOK_HOME": str(home / "taskbook"),
        # jupyter_client runs the kernelspec's "python" as this interpreter.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        **_use_taskbook_extension(home),
    }
    options = {
        "ServerApp.ip": "127.0.0.1",
        "ServerApp.port": port,
        "ServerApp.port_retries": 0,
        # CI machines run as root; without this the server exits at once.
        "ServerApp.allow_root": True,
        "ServerApp.root_dir": root,
        "IdentityProvider.token": token,
    }
    app_class = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}[app]
    # window.jupyterapp lets tests run commands as the menus do.
    options[f"{app_class}.expose_app_in_browser"] = True
    options[f"{app_class}.user_settings_dir"] = home / "settings"
    options[f"{app_class}.workspaces_dir"] = home / "workspaces"
    if app == "lab":
        options["LabApp.news_url"] = None
        options["LabApp.check_for_updates_class"] = "jupyterlab.NeverCheckForUpdate"
    cmd = [sys.executable, "-m", "jupyter", app, "--no-browser"]
    cmd += [f"--{name}={value}" for name, value in options.items()]
    log = home / "server.log"
    with log.open("wb") as out:
        # Own process group: the teardown stops the server and its kernels only.
        proc = subprocess.Popen(
            cmd, env=env, cwd=root, stdout=out, stderr=out, start_new_session=True
        )
    server = LabServer(
        f"http://127.0.0.1:{port}", token, root, log, home / "taskbook", proc.pid, app
    )
    return proc, server


def _wait_until_up(proc: subprocess.Popen[bytes], server: LabServer) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"jupyter {server.app} exited ({proc.returncode}):\n"
                + server.log.read_text()
            )
        try:
            with urllib.request.urlopen(server.url("api/status"), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(
        f"jupyter {server.app} did not answer in 60 s:\n{server.log.read_text()}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        proc.wait()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Directory for screenshots and logs (``test-artifacts/browser/``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _serve(
    app: str, tmp_path_factory: pytest.TempPathFactory, log_copy: Path
) -> Iterator[LabServer]:
    root = tmp_path_factory.mktemp(f"{app}-root")
    proc, server = _start_lab(tmp_path_factory.mktemp(f"{app}-home"), root, app)
    try:
        _wait_until_up(proc, server)
        yield server
    finally:
        _stop(proc)
        shutil.copyfile(server.log, log_copy)


@pytest.fixture(scope="session")
def lab_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path
) -> Iterator[LabServer]:
    """Start ``jupyter lab`` for the session; stop it and its kernels at the end."""
    _require("JupyterLab", importlib.util.find_spec("jupyterlab") is not None)
    yield from _serve("lab", tmp_path_factory, artifacts_dir / "jupyter-server.log")


@pytest.fixture(scope="session")
def notebook7_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path
) -> Iterator[LabServer]:
    """Start ``jupyter notebook`` (Notebook 7) for the session, as ``lab_server``."""
    # Not find_spec("notebook"): tests/ is on sys.path, and tests/notebook shadows it.
    try:
        major = int(importlib.metadata.version("notebook").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        major = 0
    _require("Notebook 7 (notebook>=7,<8)", major == 7)
    log_copy = artifacts_dir / "jupyter-notebook7-server.log"
    yield from _serve("notebook", tmp_path_factory, log_copy)


@pytest.fixture(autouse=True)
def _shutdown_kernels(request: pytest.FixtureRequest) -> Iterator[None]:
    """Stop every kernel a test left, so kernels do not pile up on 2 cores."""
    yield
    for name in ("lab_server", "notebook7_server"):
        if name in request.fixturenames:
            request.getfixturevalue(name).shutdown_kernels()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch the system's headless Chromium for the session."""
    _require(f"Chromium at {CHROMIUM}", CHROMIUM.exists())
    _require("Playwright", importlib.util.find_spec("playwright") is not None)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROME_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def console_messages() -> list[str]:
    """Console lines and page errors of ``page``, in order."""
    return []


@pytest.fixture
def page(
    browser: Browser,
    console_messages: list[str],
    artifacts_dir: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    """A fresh browser context and page; screenshots itself if the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    new_page = context.new_page()
    new_page.on("console", lambda m: console_messages.append(f"{m.type}: {m.text}"))
    new_page.on("pageerror", lambda e: console_messages.append(f"pageerror: {e}"))
    yield new_page
    if request.node.stash.get(_FAILED, False):
        shot = artifacts_dir / f"{_safe(request.node.name)}-failure.png"
        new_page.screenshot(path=shot, full_page=True)
    context.close()


def write_notebook(
    root: Path, cells: Sequence[str | nbformat.NotebookNode], name: str
) -> Path:
    """Write a notebook of ``cells`` (strings become code cells) as ``root/name``.

    Args:
        root: The server root (``lab_server.root``).
        cells: Cell sources, or nbformat cells (markdown, tagged cells...).
        name: File name; ``.ipynb`` is added when missing.

    Returns:
        The path written.
    """
    # Imported here: without the browser deps the rest of the suite still collects.
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[new_code_cell(c) if isinstance(c, str) else c for c in cells]
    )
    # Without a kernelspec JupyterLab asks for a kernel in a dialog.
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    path = root / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    nbformat.write(nb, path)
    return path


# JS prologue: `panel` is the notebook panel showing `path` (or undefined).
_PANEL_JS = """const app = window.jupyterapp;
const panel = app && Array.from(app.shell.widgets('main')).find(
    (w) => w.context && w.context.path === path);"""


@dataclass
class NotebookPage:
    """One notebook open in JupyterLab, with the actions tests need."""

    page: Page
    lab: LabServer
    path: Path
    artifacts: Path
    test_name: str
    console: list[str]

    @property
    def name(self) -> str:
        """The notebook's path relative to the server root."""
        return self.path.relative_to(self.lab.root).as_posix()

    def _js(self, body: str, arg: Any = None) -> Any:
        script = f"async ([path, arg]) => {{ {_PANEL_JS}\n{body} }}"
        return self.page.evaluate(script, [self.name, arg])

    def _wait_js(
        self, body: str, arg: Any = None, timeout: float | None = None
    ) -> None:
        script = f"([path, arg]) => {{ {_PANEL_JS}\n{body} }}"
        self.page.wait_for_function(script, arg=[self.name, arg], timeout=timeout)

    def _goto(self) -> None:
        self.page.goto(self.lab.notebook_url(self.name))
        self._wait_js("return !!panel;")

    def open(self) -> NotebookPage:
        """Load JupyterLab on this notebook and wait until its kernel is idle."""
        self._goto()
        self._js("app.shell.activateById(panel.id); await panel.context.ready;")
        self.wait_idle()
        return self

    def panel(self) -> Locator:
        """The notebook panel's DOM element."""
        return self.page.locator(f'[id="{self._js("return panel.id;")}"]')

    def cell(self, index: int) -> Locator:
        """The ``index``-th cell (0-based, markdown cells count)."""
        return self.panel().locator(".jp-Notebook .jp-Cell").nth(index)

    def output(self, index: int) -> Locator:
        """The output area of cell ``index``."""
        return self.cell(index).locator(".jp-Cell-outputArea")

    def wait_in_output(
        self, index: int, selector: str, timeout: float = 60_000
    ) -> Locator:
        """Wait until ``selector`` is visible in cell ``index``'s output; return it."""
        found = self.output(index).locator(selector).first
        found.wait_for(state="visible", timeout=timeout)
        return found

    def wait_text(
        self,
        index: int,
        selector: str,
        pattern: str | re.Pattern[str],
        timeout: float = 60_000,
    ) -> None:
        """Wait until ``selector`` in cell ``index``'s output has text ``pattern``.

        The element is looked up again on every poll, so it may be re-rendered
        (a widget's new value) while waiting.
        """
        from playwright.sync_api import expect

        target = self.output(index).locator(selector).first
        expect(target).to_have_text(pattern, timeout=timeout)

    def wait_idle(self, timeout: float = 120_000) -> None:
        """Wait until the kernel is idle and no cell is running or queued."""
        self._wait_js(
            """const kernel = panel?.sessionContext?.session?.kernel;
            return !!kernel && kernel.status === 'idle' && !panel.content.widgets.some(
                (c) => c.model.executionState === 'running');""",
            timeout=timeout,
        )

    def is_running(self, index: int) -> bool:
        """Whether cell ``index`` is executing or queued (prompt ``[*]``)."""
        js = "return panel.content.widgets[arg].model.executionState === 'running';"
        return bool(self._js(js, index))

    def run_all(self, *, wait: bool = True) -> None:
        """Run all cells (Run > Run All Cells); with ``wait``, until all are done."""
        self._run("notebook:run-all-cells", None, wait)

    def run_cell(self, index: int, *, wait: bool = True) -> None:
        """Run cell ``index``; with ``wait`` until done, else until it has started."""
        self._run("notebook:run-cell", index, wait)

    def _run(self, command: str, index: int | None, wait: bool) -> None:
        before = self._js(
            """app.shell.activateById(panel.id);
            await panel.sessionContext.ready;
            if (arg.index !== null) {
                panel.content.activeCellIndex = arg.index;
                panel.content.deselectAll();
            }
            const counts = panel.content.widgets.map((c) => c.model.executionCount ?? null);
            const done = app.commands.execute(arg.command);
            if (arg.wait) await done;
            return counts;""",
            {"command": command, "index": index, "wait": wait},
        )
        if wait:
            self.wait_idle()
            return
        # Started: a cell runs, or (a fast cell) an execution count moved on.
        self._wait_js(
            """return panel.content.widgets.some((c, i) =>
                c.model.executionState === 'running'
                || (c.model.executionCount ?? null) !== arg[i]);""",
            before,
        )

    def screenshot(self, label: str) -> Path:
        """Save a full-page screenshot as ``<test>-<label>.png``; return its path."""
        self.page.wait_for_timeout(500)  # plotly animates its first draw
        shot = self.artifacts / f"{_safe(self.test_name)}-{_safe(label)}.png"
        self.page.screenshot(path=shot, full_page=True)
        return shot

    def save(self) -> Path:
        """Save the notebook as File > Save does; return the file on disk."""
        self._js(
            """app.shell.activateById(panel.id);
            await app.commands.execute('docmanager:save');
            if (panel.context.model.dirty) throw new Error('still dirty after save');"""
        )
        return self.path

    def reopen_without_kernel(self) -> None:
        """Shut the kernel down and reload the page without starting a new one.

        The reloaded page is told there are no kernelspecs (a Playwright route on
        ``/api/kernelspecs``), so JupyterLab asks for a kernel and this clicks
        "No Kernel", as a user lacking the kernel would. What renders then comes
        from the saved file alone.
        """
        self.lab.shutdown_kernels()
        self.page.route("**/api/kernelspecs*", _no_kernelspecs)
        self._goto()
        dialog = self.page.locator(".jp-Dialog")
        dialog.get_by_role("button", name="No Kernel").click()
        dialog.wait_for(state="detached")
        self.panel().locator(".jp-Toolbar-kernelName", has_text="No Kernel").wait_for()

    def errors(self) -> list[str]:
        """Console errors and page errors seen so far."""
        return [m for m in self.console if m.startswith(("error", "pageerror"))]


def _no_kernelspecs(route: Route) -> None:
    route.fulfill(json={"default": "python3", "kernelspecs": {}})


def _factory(
    server: LabServer,
    page: Page,
    console_messages: list[str],
    artifacts_dir: Path,
    request: pytest.FixtureRequest,
) -> NotebookFactory:
    def make(cells: Sequence[str | nbformat.NotebookNode], name: str) -> NotebookPage:
        path = write_notebook(server.root, cells, name)
        notebook = NotebookPage(
            page, server, path, artifacts_dir, request.node.name, console_messages
        )
        return notebook.open()

    return make


@pytest.fixture
def notebook_page(
    lab_server: LabServer,
    page: Page,
    console_messages: list[str],
    artifacts_dir: Path,
    request: pytest.FixtureRequest,
) -> NotebookFactory:
    """Factory ``notebook_page(cells, name)``: write a notebook, open it, kernel idle."""
    return _factory(lab_server, page, console_messages, artifacts_dir, request)


@pytest.fixture
def notebook7_page(
    notebook7_server: LabServer,
    page: Page,
    console_messages: list[str],
    artifacts_dir: Path,
    request: pytest.FixtureRequest,
) -> NotebookFactory:
    """``notebook_page`` in Notebook 7: opens ``/notebooks/NAME.ipynb``."""
    return _factory(notebook7_server, page, console_messages, artifacts_dir, request)
