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


@dataclass
class SmtpLog:
    """What a local SMTP server saw: the messages and the logins."""

    messages: list[Any] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def smtp_server(
    tls: str | None = None, cert: tuple[str, str] | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """Run aiosmtpd on 127.0.0.1; yield its port and the messages it receives.

    ``tls="SSL"`` serves TLS from the first byte (port 465's way); ``"STARTTLS"``
    requires the client to start TLS, and to log in over it, before sending.
    ``cert`` is the (certificate, key) files they use.
    """
    with smtp_server_log(tls, cert) as (port, log):
        yield port, log.messages


@contextmanager
def smtp_server_log(
    tls: str | None = None, cert: tuple[str, str] | None = None
) -> Iterator[tuple[int, SmtpLog]]:
    """``smtp_server``, yielding the whole ``SmtpLog`` (logins too)."""
    import ssl

    Controller, Message = _aiosmtpd()
    log = SmtpLog()

    class Collect(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            log.messages.append(message)

    def authenticator(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        login = (auth_data.login.decode(), auth_data.password.decode())
        log.logins.append(login)
        return AuthResult(success=True)

    context = None
    if tls is not None:
        assert cert is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*cert)
    kwargs: dict[str, Any] = {}
    if tls == "SSL":
        kwargs = {"ssl_context": context, "authenticator": authenticator}
    elif tls == "STARTTLS":
        kwargs = {
            "tls_context": context,
            "require_starttls": True,
            "authenticator": authenticator,
        }
    # aiosmtpd connects to its own port to check it started: port 0 won't do.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port, log
    finally:
        controller.stop()


def self_signed_certificate(folder: Any) -> tuple[str, str]:
    """Write a self-signed certificate for 127.0.0.1; return (cert, key) paths."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


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
