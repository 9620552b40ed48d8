"""A local HTTP server and a local SMTP server the notification tests start."""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import json
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """What the HTTP server got; it answers 500 to the first ``fail_first`` requests."""

    fail_first: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def http_server(fail_first: int = 0) -> Iterator[tuple[str, Received]]:
    """Serve on 127.0.0.1; yield the base URL and what arrives."""
    received = Received(fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length).decode()
            with received.lock:
                received.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": raw,
                        "json": _json(raw, self.headers.get("content-type")),
                    }
                )
                fail = len(received.requests) <= received.fail_first
            self.send_response(500 if fail else 200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _json(raw: str, content_type: str | None) -> Any:
    if content_type and "json" in content_type and raw:
        return json.loads(raw)
    return None


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[Any]]]:
    """Run aiosmtpd on 127.0.0.1; yield its port and the messages it receives."""
    Controller, Message = _aiosmtpd()
    messages: list[Any] = []

    class Collect(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            messages.append(message)

    # aiosmtpd connects to its own port to check it started: port 0 won't do.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, messages
    finally:
        controller.stop()


@functools.cache
def _aiosmtpd() -> tuple[Any, Any]:
    """Import aiosmtpd, whose dependency atpublic is the top-level module ``public``.

    pytest puts ``tests/`` on ``sys.path`` (it has no ``__init__.py``), so
    ``tests/public`` shadows atpublic; load the real one while aiosmtpd imports it.
    """
    shadow = sys.modules.pop("public", None)
    paths = [p for p in sys.path if "site-packages" in p]
    spec = importlib.machinery.PathFinder.find_spec("public", paths)
    assert spec is not None
    assert spec.loader is not None
    real = importlib.util.module_from_spec(spec)
    sys.modules["public"] = real  # before running it: it imports its submodules
    try:
        spec.loader.exec_module(real)
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message
    finally:
        if shadow is not None:
            sys.modules["public"] = shadow
        else:
            sys.modules.pop("public", None)
    return Controller, Message
