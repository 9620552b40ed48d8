"""``python -m taskbook.cli``: the same as the ``taskbook`` console script."""

from __future__ import annotations

from taskbook.cli.main import main

main()
