"""Write labextension/src/protocol.ts from src/taskbook/protocol/messages.py.

Run after changing a message: ``python scripts/gen_protocol.py``. The test
tests/protocol/test_typescript.py fails while the file is out of date.
"""

from __future__ import annotations

from pathlib import Path

from taskbook.protocol.typescript import render

TARGET = Path(__file__).resolve().parents[1] / "labextension" / "src" / "protocol.ts"

if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
