"""In a kernel, registered secrets are masked in every message the kernel sends.

A plain cell's ``print``, a displayed value, a cell's result and a traceback go
to the notebook (and are saved in it) without passing any taskbook writer. They
all leave through the kernel's one ``Session.send`` (streams, display hook,
display publisher, errors, replies), so that is where the mask is applied: the
text the notebook receives, shows and saves never holds a secret value that
``Secret.get()`` (or a sensitive parameter) registered in this process. While
no secret is registered, a message costs one check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taskbook.engine import masking

__all__ = ("install",)


def install(kernel: Any) -> Callable[[], None]:
    """Mask secrets in what ``kernel`` sends; return what undoes it.

    Without a kernel (terminal IPython, an in-process shell) output goes to the
    process's own streams and nothing is installed.
    """
    session = getattr(kernel, "session", None)
    if session is None:
        return lambda: None
    send = session.send

    def masked_send(
        stream: Any,
        msg_or_type: Any,
        content: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if masking.active():
            if isinstance(msg_or_type, dict):
                msg_or_type = {
                    **msg_or_type,
                    "content": masking.mask_data(msg_or_type.get("content")),
                }
            content = masking.mask_data(content)
        return send(stream, msg_or_type, content, *args, **kwargs)

    session.send = masked_send

    def uninstall() -> None:
        if session.send is masked_send:
            del session.send  # the class's method again

    return uninstall
