from __future__ import annotations

from pathlib import Path

from taskbook.protocol.typescript import render

GENERATED = Path(__file__).resolve().parents[2] / "labextension" / "src" / "protocol.ts"


def test_the_extensions_protocol_types_are_generated_from_the_current_messages():
    assert GENERATED.read_text(encoding="utf-8") == render(), (
        "labextension/src/protocol.ts is out of date: run "
        "`python scripts/gen_protocol.py` and commit it"
    )


def test_the_typescript_names_every_message_and_its_fields():
    text = render()
    assert "export const COMM_TARGET = 'taskbook';" in text
    assert "export interface CellState {" in text
    assert "  duration: number | null;" in text
    assert "  kind: 'task' | 'cell' | 'params' | 'control';" in text
    assert "export type FrontendMessage = SourcesMessage | HelloMessage;" in text
