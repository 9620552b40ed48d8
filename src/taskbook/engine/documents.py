"""Saved configuration (blocks, variables) in one owner-only SQLite file of the store.

``blocks.sqlite`` in the session's home holds named JSON documents by kind and
type. It is created readable by its owner only (0600), and SQLite gives its
journal the same mode, because blocks hold secret values: they are kept here and
never in notebooks or run records. Each call opens its own connection, so
processes sharing the store see each other's writes at once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

__all__ = ("DOCUMENTS_FILE", "Documents")

DOCUMENTS_FILE = "blocks.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT, type TEXT, name TEXT, id TEXT, data TEXT, created REAL, updated REAL,
    PRIMARY KEY (kind, type, name)
);
"""


class Documents:
    """Named JSON documents of one store: ``(kind, type, name) -> data``."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / DOCUMENTS_FILE

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Create the file 0600 before SQLite does (it would use the umask).
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        os.chmod(self.path, 0o600)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.executescript(_SCHEMA)
        return conn

    def read(self, kind: str, type_: str, name: str) -> Any | None:
        """Return the document's data, or None when there is none of that name."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT data FROM documents WHERE kind=? AND type=? AND name=?",
                (kind, type_, name),
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def write(
        self, kind: str, type_: str, name: str, data: Any, *, overwrite: bool
    ) -> str | None:
        """Save a document; return its id, or None if it exists and not ``overwrite``."""
        now = time.time()
        text = json.dumps(data, sort_keys=True)
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")  # the check and the write, atomically
            row = conn.execute(
                "SELECT id FROM documents WHERE kind=? AND type=? AND name=?",
                (kind, type_, name),
            ).fetchone()
            if row is not None and not overwrite:
                conn.execute("ROLLBACK")
                return None
            doc_id = row[0] if row is not None else str(uuid.uuid4())
            conn.execute(
                "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,"
                "COALESCE((SELECT created FROM documents WHERE kind=? AND type=? "
                "AND name=?), ?),?)",
                (kind, type_, name, doc_id, text, kind, type_, name, now, now),
            )
            conn.execute("COMMIT")
        return str(doc_id)

    def delete(self, kind: str, type_: str, name: str) -> bool:
        """Delete a document; return whether there was one."""
        with closing(self._connect()) as conn:
            cursor = conn.execute(
                "DELETE FROM documents WHERE kind=? AND type=? AND name=?",
                (kind, type_, name),
            )
            return cursor.rowcount > 0

    def names(self, kind: str, type_: str | None = None) -> list[tuple[str, str]]:
        """Return ``(type, name)`` of the documents of ``kind``, sorted."""
        with closing(self._connect()) as conn:
            if type_ is None:
                rows = conn.execute(
                    "SELECT type, name FROM documents WHERE kind=? ORDER BY 1, 2",
                    (kind,),
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT type, name FROM documents WHERE kind=? AND type=? "
                    "ORDER BY 1, 2",
                    (kind, type_),
                ).fetchall()
        return [(t, n) for t, n in rows]
