"""Concurrency and rate limits shared by every process of a store, in ``concurrency.sqlite``.

A limit is a name, a number of slots and a slot decay per second; tag limits are
the limits named ``tag:TAG`` (as in Prefect 3). Taking slots is one ``BEGIN
IMMEDIATE`` transaction that counts the slots in use and records the new ones, so
two processes can never both take the last slot. Slots of a limit without decay
are holder rows, freed on release (or when their process is found dead, same
host). A limit with decay also keeps a pool of decaying slots (``core.slot_decay``):
``rate_limit`` adds to it and never gives back, ``concurrency`` adds to it and
subtracts on release, as Prefect's server does. Taking and waiting: ``engine.slots``.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from taskbook.core.slot_decay import DecayPool, check_decay
from taskbook.engine.clock import Clock, RealClock
from taskbook.errors import (
    ConcurrencyLimitNotFoundError,
    ConcurrencyOccupyError,
    InvalidSlotDecayError,
    RateLimitWithoutDecayError,
)

__all__ = (
    "CONCURRENCY_FILE",
    "TAG_PREFIX",
    "ConcurrencyLimits",
    "LimitInfo",
    "Mode",
)

CONCURRENCY_FILE = "concurrency.sqlite"
TAG_PREFIX = "tag:"
Mode = Literal["concurrency", "rate_limit"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS limits (
    name TEXT PRIMARY KEY, slots INTEGER, created REAL,
    slot_decay_per_second REAL NOT NULL DEFAULT 0,
    pool INTEGER NOT NULL DEFAULT 0, pool_since REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS holders (
    holder TEXT, name TEXT, occupy INTEGER, pid INTEGER, host TEXT, acquired REAL,
    pooled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS holders_name ON holders(name);
"""
# Columns added since the first release: files written before them gain them on open.
_ADDED_COLUMNS = {
    "limits": {
        "slot_decay_per_second": "REAL NOT NULL DEFAULT 0",
        "pool": "INTEGER NOT NULL DEFAULT 0",
        "pool_since": "REAL NOT NULL DEFAULT 0",
    },
    "holders": {"pooled": "INTEGER NOT NULL DEFAULT 0"},
}


@dataclass(frozen=True, slots=True)
class LimitInfo:
    """A limit as ``ls`` shows it."""

    name: str
    limit: int
    active_slots: int
    holders: int
    slot_decay_per_second: float = 0.0


@dataclass(frozen=True, slots=True)
class _Row:
    slots: int
    decay: float
    pool: DecayPool
    fixed: int  # slots of holders that do not decay


class ConcurrencyLimits:
    """The concurrency and rate limits of one store."""

    def __init__(self, home: Path, clock: Clock | None = None) -> None:
        self.path = Path(home) / CONCURRENCY_FILE
        self.clock: Clock = clock or RealClock()
        self._host = socket.gethostname()

    def exists(self) -> bool:
        """Whether any limit was ever created here (cheap: no file, no limits)."""
        return self.path.exists()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(
            sqlite3.connect(self.path, timeout=60, isolation_level=None)
        ) as conn:
            conn.executescript(_SCHEMA)
            if _missing_columns(conn):
                _migrate(conn)
            yield conn

    def create(self, name: str, limit: int, slot_decay_per_second: float = 0.0) -> None:
        """Create the limit ``name``, or change its size and decay.

        Raises:
            InvalidSlotDecayError: ``slot_decay_per_second`` is negative or no number.
        """
        decay = _valid_decay(name, slot_decay_per_second)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            if self._read(conn, name) is None:
                conn.execute(
                    "INSERT INTO limits (name, slots, created, slot_decay_per_second)"
                    " VALUES (?, ?, ?, ?)",
                    (name, int(limit), self.clock.now(), decay),
                )
            else:
                self._change(conn, name, int(limit), decay)
            conn.execute("COMMIT")

    def update(
        self,
        name: str,
        limit: int | None = None,
        slot_decay_per_second: float | None = None,
    ) -> None:
        """Change the size or the decay of the limit ``name``.

        Raises:
            ConcurrencyLimitNotFoundError: There is no such limit.
            InvalidSlotDecayError: ``slot_decay_per_second`` is negative or no number.
        """
        decay = None
        if slot_decay_per_second is not None:
            decay = _valid_decay(name, slot_decay_per_second)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            if self._read(conn, name) is None:
                conn.execute("ROLLBACK")
                raise ConcurrencyLimitNotFoundError.from_name(name, self._names())
            self._change(conn, name, limit, decay)
            conn.execute("COMMIT")

    def _change(
        self,
        conn: sqlite3.Connection,
        name: str,
        limit: int | None,
        decay: float | None,
    ) -> None:
        row = self._read(conn, name)
        assert row is not None
        if decay is not None and decay != row.decay:
            # Decay so far counts at the old rate; from now on at the new one.
            pool = row.pool.at(self.clock.now(), row.decay)
            self._write_pool(conn, name, DecayPool(pool.active, self.clock.now()))
            conn.execute(
                "UPDATE limits SET slot_decay_per_second = ? WHERE name = ?",
                (decay, name),
            )
        if limit is not None:
            conn.execute("UPDATE limits SET slots = ? WHERE name = ?", (limit, name))

    def delete(self, name: str) -> None:
        """Delete the limit ``name`` and its held slots.

        Raises:
            ConcurrencyLimitNotFoundError: There is no such limit.
        """
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            gone = conn.execute("DELETE FROM limits WHERE name = ?", (name,)).rowcount
            conn.execute("DELETE FROM holders WHERE name = ?", (name,))
            conn.execute("COMMIT")
        if not gone:
            raise ConcurrencyLimitNotFoundError.from_name(name, self._names())

    def reset(self, name: str) -> None:
        """Free every slot of ``name`` (holders that died elsewhere, decaying ones)."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM holders WHERE name = ?", (name,))
            conn.execute("UPDATE limits SET pool = 0 WHERE name = ?", (name,))
            conn.execute("COMMIT")

    def _names(self) -> list[str]:
        with self._connect() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM limits ORDER BY 1")]

    def list(self, prefix: str | None = None) -> list[LimitInfo]:
        """Return the limits (those whose name starts with ``prefix``), by name."""
        now = self.clock.now()
        with self._connect() as conn:
            names = [
                n
                for (n,) in conn.execute("SELECT name FROM limits ORDER BY name")
                if prefix is None or n.startswith(prefix)
            ]
            infos = []
            for name in names:
                row = self._read(conn, name)
                assert row is not None
                (count,) = conn.execute(
                    "SELECT COUNT(DISTINCT holder) FROM holders WHERE name = ?", (name,)
                ).fetchone()
                used = row.pool.at(now, row.decay).active + row.fixed
                infos.append(LimitInfo(name, row.slots, used, count, row.decay))
        return infos

    def limits_for(self, names: Iterable[str]) -> dict[str, int]:
        """Return ``name -> slots`` of the names that have a limit."""
        return {n: slots for n, (slots, _decay) in self._limits_for(names).items()}

    def _limits_for(self, names: Iterable[str]) -> dict[str, tuple[int, float]]:
        wanted = list(dict.fromkeys(names))
        if not wanted or not self.exists():
            return {}
        marks = ",".join("?" * len(wanted))
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT name, slots, slot_decay_per_second FROM limits "
                f"WHERE name IN ({marks})",
                wanted,
            ).fetchall()
        return {n: (slots, decay) for n, slots, decay in rows}

    def try_acquire(self, names: list[str], occupy: int, holder: str) -> bool:
        """Take ``occupy`` slots of every limit in ``names`` at once, or none."""
        return self.take(names, occupy, holder) is None

    def take(
        self, names: list[str], occupy: int, holder: str, mode: Mode = "concurrency"
    ) -> float | None:
        """Take ``occupy`` slots of every limit in ``names`` at once, or none.

        ``rate_limit`` slots only decay; ``concurrency`` slots are the holder's
        until ``release(holder)``.

        Returns:
            None when taken; else the seconds until decay alone makes room
            (``math.inf`` when slots held by ``concurrency`` block it).
        """
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            now = self.clock.now()
            wait = self._wait(conn, names, occupy, now)
            if wait is not None:
                self._free_dead(conn, names)
                wait = self._wait(conn, names, occupy, now)
                if wait is not None:
                    conn.execute("ROLLBACK")
                    return wait
            rows = []
            for name in names:
                row = self._read(conn, name)
                assert row is not None
                if row.decay > 0:
                    self._write_pool(conn, name, row.pool.add(occupy, now, row.decay))
                if mode == "concurrency":
                    rows.append(
                        (
                            holder,
                            name,
                            occupy,
                            os.getpid(),
                            self._host,
                            now,
                            row.decay > 0,
                        )
                    )
            conn.executemany("INSERT INTO holders VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
        return None

    def release(self, holder: str) -> None:
        """Give back every slot ``holder`` took."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            self._drop(conn, "holder = ?", (holder,))
            conn.execute("COMMIT")

    def _read(self, conn: sqlite3.Connection, name: str) -> _Row | None:
        found = conn.execute(
            "SELECT slots, slot_decay_per_second, pool, pool_since, (SELECT "
            "COALESCE(SUM(occupy), 0) FROM holders WHERE name = l.name AND NOT pooled)"
            " FROM limits l WHERE name = ?",
            (name,),
        ).fetchone()
        if found is None:
            return None
        slots, decay, pool, since, fixed = found
        return _Row(slots, decay, DecayPool(pool, since), fixed)

    def _write_pool(self, conn: sqlite3.Connection, name: str, pool: DecayPool) -> None:
        conn.execute(
            "UPDATE limits SET pool = ?, pool_since = ? WHERE name = ?",
            (pool.active, pool.since, name),
        )

    def _wait(
        self, conn: sqlite3.Connection, names: list[str], occupy: int, now: float
    ) -> float | None:
        longest = None
        for name in names:
            row = self._read(conn, name)
            if row is None:
                continue
            pool = row.pool.at(now, row.decay)
            over = pool.active + row.fixed + occupy - row.slots
            if over > 0:
                wait = pool.seconds_until_free(over, now, row.decay)
                longest = wait if longest is None else max(longest, wait)
        return longest

    def _drop(
        self, conn: sqlite3.Connection, where: str, params: tuple[object, ...]
    ) -> None:
        """Delete the holder rows ``where`` matches; pooled ones leave the pool too."""
        now = self.clock.now()
        pooled = conn.execute(
            f"SELECT name, SUM(occupy) FROM holders WHERE pooled AND {where} "
            "GROUP BY name",
            params,
        ).fetchall()
        for name, slots in pooled:
            row = self._read(conn, name)
            if row is not None:
                self._write_pool(conn, name, row.pool.add(-slots, now, row.decay))
        conn.execute(f"DELETE FROM holders WHERE {where}", params)

    def _free_dead(self, conn: sqlite3.Connection, names: list[str]) -> None:
        marks = ",".join("?" * len(names))
        rows = conn.execute(
            f"SELECT DISTINCT pid FROM holders WHERE host = ? AND name IN ({marks})",
            [self._host, *names],
        ).fetchall()
        for (pid,) in rows:
            if not _alive(pid):
                self._drop(conn, "host = ? AND pid = ?", (self._host, pid))

    def plan(
        self, names: list[str], occupy: int, strict: bool, mode: Mode = "concurrency"
    ) -> tuple[list[str], str]:
        """Check a request; return the names that have limits and a new holder id.

        Raises:
            ConcurrencyLimitNotFoundError: ``strict`` and a name has no limit.
            ConcurrencyOccupyError: ``occupy`` is below 1 or above a limit.
            RateLimitWithoutDecayError: ``mode`` is ``rate_limit`` and a limit
                has no slot decay.
        """
        limits = self._limits_for(names)
        if strict:
            for name in names:
                if name not in limits:
                    raise ConcurrencyLimitNotFoundError.from_name(name, self._names())
        for name, (slots, _decay) in limits.items():
            if not isinstance(occupy, int) or occupy < 1 or occupy > slots:
                raise ConcurrencyOccupyError.from_occupy(name, occupy, slots)
        if not isinstance(occupy, int) or occupy < 1:
            raise ConcurrencyOccupyError.from_occupy(",".join(names), occupy, None)
        if mode == "rate_limit":
            still = [n for n, (_slots, decay) in limits.items() if decay <= 0]
            if still:
                raise RateLimitWithoutDecayError.from_names(still)
        return [n for n in names if n in limits], uuid.uuid4().hex


def _valid_decay(name: str, value: object) -> float:
    decay = check_decay(value)
    if decay is None:
        raise InvalidSlotDecayError.from_value(name, value)
    return decay


def _missing_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    missing = {}
    for table, columns in _ADDED_COLUMNS.items():
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if absent := [c for c in columns if c not in have]:
            missing[table] = absent
    return missing


def _migrate(conn: sqlite3.Connection) -> None:
    """Add the columns a file written by an older taskbook lacks."""
    conn.execute("BEGIN IMMEDIATE")
    # Another process may have migrated between our check and our lock.
    for table, absent in _missing_columns(conn).items():
        for column in absent:
            kind = _ADDED_COLUMNS[table][column]
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    conn.execute("COMMIT")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
