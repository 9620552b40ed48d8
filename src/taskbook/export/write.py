"""Write an exported module atomically: the whole file or nothing.

The text goes to a temporary file in the target's folder, which then replaces
the target in one step: a failed write leaves no partial file and keeps an
older module intact.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile

from taskbook.errors import UnwritableOutputError

__all__ = ("write_module",)


def write_module(text: str, path: str | os.PathLike[str]) -> str:
    """Write ``text`` to ``path`` atomically; return the absolute path written.

    Raises:
        UnwritableOutputError: The folder does not exist, the path is a folder, or
            the file cannot be written; nothing is left behind.
    """
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise UnwritableOutputError.from_path(os.fspath(path), "it is a folder")
    if not os.path.isdir(folder):
        raise UnwritableOutputError.from_path(
            os.fspath(path), f"the folder {folder!r} does not exist"
        )
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder
        )
    except OSError as error:
        raise UnwritableOutputError.from_path(
            os.fspath(path), error.strerror or error
        ) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        # mkstemp makes the file private (0600); give it the mode a plain write would.
        mode = (
            stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else 0o644
        )
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        # Also on KeyboardInterrupt: never leave the temporary file behind.
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise UnwritableOutputError.from_path(
                os.fspath(path), error.strerror or error
            ) from None
        raise
    return target
