"""Upkeep of a project's store and cache: ``taskbook doctor`` and ``taskbook gc``.

``examine`` checks without changing anything (SQLite integrity, runs left Running
by a process that is gone, cache files no entry refers to, sizes); ``repair`` fixes
what it can and says what it did. ``collect`` deletes finished runs by age and
count and cached results beyond a size; ``Limits`` saved in the store make a later
plain ``taskbook gc`` apply them.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from taskbook.engine.store import RunStore, stuck_runs
from taskbook.errors import RetentionValueError

__all__ = (
    "Collected",
    "Finding",
    "Limits",
    "collect",
    "examine",
    "parse_age",
    "parse_size",
    "repair",
)

_FINAL = "('COMPLETED','FAILED','CANCELLED','CRASHED')"
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the doctor's report: what it saw, and whether it is a problem."""

    subject: str
    text: str
    problem: bool = False


@dataclass(frozen=True, slots=True)
class Limits:
    """Retention limits; None means no limit of that kind."""

    older_than: float | None = None  # seconds
    keep_last: int | None = None  # runs per flow
    max_cache_size: int | None = None  # bytes

    def any(self) -> bool:
        """Whether any limit is set."""
        return any(v is not None for v in asdict(self).values())

    @classmethod
    def saved(cls, home: Path) -> Limits:
        """Return the limits saved in ``home``'s store (none if never saved)."""
        path = home / "runs.sqlite"
        if not path.exists():
            return cls()
        with _reading(path) as conn:
            try:
                row = conn.execute(
                    "SELECT value FROM settings WHERE name='limits'"
                ).fetchone()
            except sqlite3.OperationalError:  # a store from before settings
                return cls()
        return cls(**json.loads(row[0])) if row else cls()

    def save(self, home: Path) -> None:
        """Save these limits in ``home``'s store."""
        store = RunStore(home)
        conn = sqlite3.connect(store.path, timeout=60)
        try:
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO settings VALUES ('limits', ?)",
                    (json.dumps(asdict(self)),),
                )
        finally:
            conn.close()


@dataclass(slots=True)
class Collected:
    """What ``collect`` deleted."""

    runs: int = 0
    cache_entries: int = 0
    cache_bytes: int = 0
    notes: list[str] = field(default_factory=list)


# -- parsing the command line's limits ---------------------------------------------


def parse_age(text: str, option: str = "--older-than") -> float:
    """Return the seconds in ``30d``, ``12h``, ``90m``, ``45s`` or ``2w``.

    Raises:
        RetentionValueError: ``text`` is not such a duration.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if match is None:
        raise RetentionValueError.from_text(
            option, text, "a duration (a number with s, m, h, d or w)", "30d"
        )
    return float(match[1]) * _AGE_UNITS[match[2]]


def parse_size(text: str, option: str = "--max-cache-size") -> int:
    """Return the bytes in ``5GB``, ``500MB``, ``1.5G``, ``200k`` or ``1024``.

    Raises:
        RetentionValueError: ``text`` is not such a size.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if match is None:
        raise RetentionValueError.from_text(
            option, text, "a size (a number with KB, MB, GB or TB)", "5GB"
        )
    return int(float(match[1]) * _SIZE_UNITS[match[2]])


def human_size(size: float) -> str:
    """Return ``size`` bytes as ``1.2 MB``."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover - the loop returns


# -- doctor --------------------------------------------------------------------------


def examine(home: Path) -> list[Finding]:
    """Check ``home``'s store and cache; change nothing."""
    return [*_examine_store(home), *_examine_cache(home)]


def repair(home: Path) -> list[Finding]:
    """Fix what can be fixed in ``home``; return what was done (and what was not)."""
    done: list[Finding] = []
    path = home / "runs.sqlite"
    if path.exists() and _integrity(path) == "ok":
        with _reading(path) as conn:
            stuck = stuck_runs(conn)
        RunStore(home)  # opening marks runs of dead processes Crashed
        if stuck:
            done.append(Finding("store", f"marked {len(stuck)} stuck run(s) Crashed"))
    cache = home / "cache"
    database = cache / "cache.db"
    if database.exists() and _integrity(database) != "ok":
        moved = database.with_name(f"{database.name}.corrupt")
        database.rename(moved)
        done.append(Finding("cache", f"moved the damaged {database} to {moved}"))
    for path in _orphans(cache):
        path.unlink(missing_ok=True)
        done.append(Finding("cache", f"deleted orphaned file {path.name}"))
    for path in sorted(cache.glob("cache.db.corrupt*")):
        path.unlink()
        done.append(Finding("cache", f"deleted the set-aside {path.name}"))
    return done + [f for f in examine(home) if f.problem]


def _examine_store(home: Path) -> list[Finding]:
    path = home / "runs.sqlite"
    if not path.exists():
        return [Finding("store", f"no run store at {path} yet")]
    integrity = _integrity(path)
    if integrity != "ok":
        return [
            Finding(
                "store",
                f"{path} is damaged ({integrity}); move it aside to start a new "
                f"store (the run history in it is lost)",
                problem=True,
            )
        ]
    with _reading(path) as conn:
        (runs,) = conn.execute("SELECT COUNT(*) FROM flow_runs").fetchone()
        stuck = stuck_runs(conn)
        running = conn.execute(
            f"SELECT COUNT(*) FROM flow_runs WHERE state_type NOT IN {_FINAL}"
        ).fetchone()[0]
    size = sum(p.stat().st_size for p in home.glob("runs.sqlite*"))
    found = [Finding("store", f"{path}: {runs} runs, {human_size(size)}, intact")]
    if stuck:
        found.append(
            Finding(
                "store",
                f"{len(stuck)} run(s) left Running by a process that is gone "
                f"({', '.join(stuck[:3])}{', ...' if len(stuck) > 3 else ''}); "
                f"--repair marks them Crashed",
                problem=True,
            )
        )
    if running - len(stuck):
        found.append(Finding("store", f"{running - len(stuck)} run(s) in progress"))
    return found


def _examine_cache(home: Path) -> list[Finding]:
    cache = home / "cache"
    database = cache / "cache.db"
    if not database.exists():
        return [Finding("cache", f"no result cache at {cache} yet")]
    integrity = _integrity(database)
    if integrity != "ok":
        return [
            Finding(
                "cache",
                f"{database} is damaged ({integrity}); --repair moves it aside "
                f"(cached results are computed again)",
                problem=True,
            )
        ]
    with _reading(database) as conn:
        (entries,) = conn.execute("SELECT COUNT(*) FROM Cache").fetchone()
    found = [
        Finding(
            "cache",
            f"{cache}: {entries} entries, {human_size(_tree_size(cache))}, intact",
        )
    ]
    orphans = _orphans(cache)
    if orphans:
        size = human_size(sum(p.stat().st_size for p in orphans))
        found.append(
            Finding(
                "cache",
                f"{len(orphans)} orphaned file(s) ({size}) no entry refers to; "
                f"--repair deletes them",
                problem=True,
            )
        )
    aside = sorted(cache.glob("cache.db.corrupt*"))
    if aside:
        found.append(
            Finding(
                "cache",
                f"{len(aside)} damaged cache file(s) set aside "
                f"({', '.join(p.name for p in aside)}); --repair deletes them",
                problem=True,
            )
        )
    return found


def _integrity(path: Path) -> str:
    try:
        with _reading(path) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "; ".join(str(r[0]) for r in rows[:3])


def _orphans(cache: Path) -> list[Path]:
    """Files of values (diskcache's ``*.val``) that no entry refers to."""
    database = cache / "cache.db"
    if not database.exists() or _integrity(database) != "ok":
        return []
    with _reading(database) as conn:
        named = {
            name
            for (name,) in conn.execute(
                "SELECT filename FROM Cache WHERE filename IS NOT NULL"
            )
        }
    return [p for p in cache.rglob("*.val") if str(p.relative_to(cache)) not in named]


def _tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _reading(path: Path) -> contextlib.closing[sqlite3.Connection]:
    """A connection to an existing SQLite file (never creates one), closed after."""
    return contextlib.closing(
        sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=60)
    )


# -- gc ----------------------------------------------------------------------------


def collect(home: Path, limits: Limits, now: float) -> Collected:
    """Delete finished runs beyond ``limits`` and cached results beyond its size."""
    collected = Collected()
    if limits.older_than is not None or limits.keep_last is not None:
        collected.runs = _collect_runs(home, limits, now)
    if limits.max_cache_size is not None:
        _collect_cache(home, limits.max_cache_size, collected)
    return collected


def _collect_runs(home: Path, limits: Limits, now: float) -> int:
    RunStore(home)  # the schema, and runs of dead processes Crashed first
    with _reading(home / "runs.sqlite") as conn:
        finished = conn.execute(
            "SELECT id, flow_name, created FROM flow_runs "
            f"WHERE state_type IN {_FINAL} ORDER BY created DESC"
        ).fetchall()
        seen: dict[str, int] = {}
        doomed = []
        for run_id, flow_name, created in finished:
            seen[flow_name] = seen.get(flow_name, 0) + 1
            if limits.keep_last is not None and seen[flow_name] <= limits.keep_last:
                continue
            if limits.older_than is not None and created > now - limits.older_than:
                continue
            doomed.append((run_id,))
        with conn:
            conn.execute("CREATE TEMP TABLE doomed (id TEXT PRIMARY KEY)")
            conn.executemany("INSERT INTO doomed VALUES (?)", doomed)
            conn.execute(
                "DELETE FROM states WHERE run_id IN (SELECT id FROM doomed) OR run_id "
                "IN (SELECT id FROM task_runs WHERE flow_run_id IN doomed)"
            )
            for table in ("logs", "artifacts", "task_runs"):
                conn.execute(f"DELETE FROM {table} WHERE flow_run_id IN doomed")
            conn.execute("DELETE FROM flow_runs WHERE id IN doomed")
        if doomed:
            conn.execute("VACUUM")  # give the space back to the disk
    return len(doomed)


def _collect_cache(home: Path, max_size: int, collected: Collected) -> None:
    import diskcache

    cache = home / "cache"
    if not (cache / "cache.db").exists():
        return
    with diskcache.Cache(str(cache), eviction_policy="none") as dc:
        dc.expire()
        size = dc.volume()  # the database's pages and the files of large values
        if size <= max_size:
            return
        with _reading(cache / "cache.db") as conn:
            oldest = conn.execute(
                "SELECT key, size FROM Cache ORDER BY store_time"
            ).fetchall()
        for key, entry_size in oldest:
            if size <= max_size:
                break
            if dc.delete(key):
                collected.cache_entries += 1
                collected.cache_bytes += entry_size
                size -= entry_size
    if size > max_size:
        collected.notes.append(
            f"the cache still holds {human_size(size)}, more than the limit: its "
            f"database itself counts too"
        )
