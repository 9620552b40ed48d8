"""The ``taskbook`` command line (click); headless, never imports the kernel or widgets."""

from __future__ import annotations

import sys


def _skip_iri_format_checker() -> None:
    """Keep ``rfc3987_syntax`` from loading in the CLI process.

    nbformat imports jsonschema, whose format module imports ``rfc3987_syntax`` when
    it is installed (JupyterLab installs it); that import compiles a Lark grammar and
    costs about a second at every ``taskbook`` start. It only serves the ``iri``
    formats, which no notebook schema uses. Blocking it for the duration of
    jsonschema's first import leaves jsonschema without those two checkers in this
    process only; the CLI is a process of its own and validates nothing else.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema  # noqa: F401 - imported now, without the slow module
    finally:
        del sys.modules["rfc3987_syntax"]


_skip_iri_format_checker()
