"""Transactions as Prefect 3 has them: task side effects committed or rolled back together.

Inside ``with transaction():`` each task run that completes stages its
``on_rollback``/``on_commit`` hooks in a child transaction of its own. When the
block raises, or a task in it fails, the transaction rolls back: the staged
rollback hooks run, newest first, each given the task's transaction. On a clean
exit it commits: commit hooks run in order, and a ``key`` is recorded in the
session's store, so a later ``transaction(key=...)`` starts committed
(``txn.is_committed()``), which makes pipelines idempotent.

Isolation: at ``READ_COMMITTED`` (the default) two transactions with one key may
run at once. At ``SERIALIZABLE`` a transaction with a key takes the key's lock from
its store's lock manager on entering, before looking for the record, and releases
it once it commits or rolls back (at the latest when its outermost transaction
ends): a second one waits, then starts committed.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from taskbook.core.cache import IsolationLevel
from taskbook.engine.result_store import ResultStore
from taskbook.errors import IsolationLevelNotSupportedError

_log = logging.getLogger("taskbook.transactions")

_NOT_SET: Any = object()


class CommitMode(enum.Enum):
    """When a transaction commits: at its own exit (EAGER), with its outermost
    transaction (LAZY, the default), or never by itself (OFF: rolled back)."""

    EAGER = "EAGER"
    LAZY = "LAZY"
    OFF = "OFF"


class TransactionState(enum.Enum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    STAGED = "STAGED"
    COMMITTED = "COMMITTED"
    ROLLED_BACK = "ROLLED_BACK"


_current: ContextVar[Transaction | None] = ContextVar(
    "taskbook_transaction", default=None
)


def get_transaction() -> Transaction | None:
    """Return the transaction in progress, or None."""
    return _current.get()


class Transaction:
    """One transaction; enter it with ``with`` (or use ``transaction(...)``)."""

    def __init__(
        self,
        key: str | None = None,
        commit_mode: CommitMode | None = None,
        store: Any = None,
        overwrite: bool = False,
        write_on_commit: bool = True,
        isolation_level: IsolationLevel | str | None = None,
    ) -> None:
        self.key = key
        self.commit_mode = commit_mode
        self.isolation_level = (
            None if isolation_level is None else IsolationLevel.coerce(isolation_level)
        )
        self.store = store
        self.overwrite = overwrite
        self.write_on_commit = write_on_commit
        self.state = TransactionState.PENDING
        self.children: list[Transaction] = []
        self.on_commit_hooks: list[Callable[..., Any]] = []
        self.on_rollback_hooks: list[Callable[..., Any]] = []
        self._values: dict[str, Any] = {}
        self._staged_value: Any = None
        self._parent: Transaction | None = None
        self._token: Token[Transaction | None] | None = None
        self._holder = str(uuid.uuid4())
        self._locked = False

    # -- values shared with hooks -------------------------------------------------

    def set(self, name: str, value: Any) -> None:
        """Keep a value for the hooks (``txn.get(name)``)."""
        self._values[name] = value

    def get(self, name: str, default: Any = _NOT_SET) -> Any:
        """Return a value set on this transaction or an enclosing one.

        Raises:
            ValueError: If no transaction has it and there is no default.
        """
        if name in self._values:
            return self._values[name]
        if self._parent is not None:
            return self._parent.get(name, default)
        if default is not _NOT_SET:
            return default
        raise ValueError(f"Could not retrieve value for unknown key: {name}")

    def is_committed(self) -> bool:
        return self.state is TransactionState.COMMITTED

    def is_rolled_back(self) -> bool:
        return self.state is TransactionState.ROLLED_BACK

    def is_staged(self) -> bool:
        return self.state is TransactionState.STAGED

    def is_pending(self) -> bool:
        return self.state is TransactionState.PENDING

    def is_active(self) -> bool:
        return self.state is TransactionState.ACTIVE

    # -- lifecycle ------------------------------------------------------------------

    def __enter__(self) -> Transaction:
        self._parent = _current.get()
        if self.commit_mode is None:
            parent_mode = self._parent.commit_mode if self._parent else None
            self.commit_mode = parent_mode or CommitMode.LAZY
        if self.isolation_level is None:
            parent_level = self._parent.isolation_level if self._parent else None
            self.isolation_level = parent_level or IsolationLevel.READ_COMMITTED
        serializable = bool(self.key) and (
            self.isolation_level is IsolationLevel.SERIALIZABLE
        )
        if serializable and not self._records().supports_isolation_level(
            self.isolation_level
        ):
            raise IsolationLevelNotSupportedError.from_level(self.isolation_level.value)
        self.state = TransactionState.ACTIVE
        if serializable:
            assert self.key is not None
            _log.debug("Acquiring lock for transaction %r", self.key)
            self._records().acquire_lock(self.key, holder=self._holder)
            self._locked = True
        if self.key and not self.overwrite and self._store_has(self.key):
            self.state = TransactionState.COMMITTED
        self._token = _current.set(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.rollback()
            self._leave()
            self._unlock_all()  # nothing here commits any more
            return  # the exception goes on
        if self.commit_mode is CommitMode.EAGER:
            self.commit()
        if self._parent is not None:  # the parent commits or rolls back for us
            self._leave()
            return
        if self.commit_mode is CommitMode.OFF:
            self.rollback()
        elif self.commit_mode is CommitMode.LAZY:
            self.commit()
        self._leave()
        self._unlock_all()

    def _unlock(self) -> None:
        """Release this transaction's key lock, if it holds one (once)."""
        if not self._locked or self.key is None:
            return
        self._locked = False
        _log.debug("Releasing lock for transaction %r", self.key)
        store = self._records()
        if store.is_lock_holder(self.key, self._holder):  # not expired meanwhile
            store.release_lock(self.key, holder=self._holder)

    def _unlock_all(self) -> None:
        # A child a committed parent never commits would keep its lock otherwise.
        for child in self.children:
            child._unlock_all()
        self._unlock()

    def _leave(self) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        self.finish_in_parent()

    def finish_in_parent(self) -> None:
        """Hand this transaction to its parent; a rollback rolls the parent back."""
        parent = self._parent
        if parent is None:
            return
        parent.children.append(self)
        if self.state is TransactionState.ROLLED_BACK:
            parent.rollback()

    def stage(
        self,
        value: Any,
        on_rollback_hooks: list[Callable[..., Any]] | None = None,
        on_commit_hooks: list[Callable[..., Any]] | None = None,
    ) -> None:
        """Stage a value (and hooks) to be committed later."""
        if self.state is not TransactionState.COMMITTED:
            self._staged_value = value
            self.on_rollback_hooks += on_rollback_hooks or []
            self.on_commit_hooks += on_commit_hooks or []
            self.state = TransactionState.STAGED

    def commit(self) -> bool:
        """Commit children, run commit hooks, record the key; False if already done."""
        if self.state in (TransactionState.ROLLED_BACK, TransactionState.COMMITTED):
            self._unlock()
            return False
        try:
            for child in self.children:
                child.commit()
            for hook in self.on_commit_hooks:
                _run_hook(hook, self, "commit")
            if self.key and self.write_on_commit:
                self._store_write(self.key, self._staged_value)
        except Exception:  # as Prefect: a failed commit rolls back instead
            _log.exception("An error was encountered while committing %r", self.key)
            self.rollback()
            return False
        self.state = TransactionState.COMMITTED
        self._unlock()
        return True

    def rollback(self) -> bool:
        """Run rollback hooks (newest first), then roll children back."""
        if self.state in (TransactionState.ROLLED_BACK, TransactionState.COMMITTED):
            return False
        try:
            for hook in reversed(self.on_rollback_hooks):
                _run_hook(hook, self, "rollback")
            self.state = TransactionState.ROLLED_BACK
            for child in reversed(self.children):
                child.rollback()
        except Exception:  # a broken hook is logged; the rest of the run goes on
            _log.exception("An error was encountered while rolling back %r", self.key)
            return False
        finally:
            self._unlock()
        return True

    # -- the record of committed keys -----------------------------------------------

    def _records(self) -> ResultStore:
        if isinstance(self.store, ResultStore):
            return self.store
        if self.store is not None:  # a ResultCache, as taskbook's own code passes
            return ResultStore.over(self.store)
        return _DEFAULT_STORE

    def _store_has(self, key: str) -> bool:
        return self._records().exists(key)

    def _store_write(self, key: str, value: Any) -> None:
        self._records().write(key, value, holder=self._holder)


_DEFAULT_STORE = ResultStore()  # the session's result cache, no lock manager


def _run_hook(hook: Callable[..., Any], txn: Transaction, kind: str) -> None:
    name = getattr(hook, "__name__", repr(hook))
    _log.info("Running %s hook %r", kind, name)
    out = hook(txn)
    if hasattr(out, "__await__"):
        from taskbook.engine.session import get_session

        get_session().portal.call(_await, out)
    _log.info("%s hook %r finished running successfully", kind.capitalize(), name)


async def _await(awaitable: Any) -> Any:
    return await awaitable


@contextmanager
def transaction(
    key: str | None = None,
    commit_mode: CommitMode | None = None,
    isolation_level: IsolationLevel | str | None = None,
    store: Any = None,
    overwrite: bool = False,
    write_on_commit: bool = True,
    logger: Any = None,
) -> Iterator[Transaction]:
    """Group task runs so their side effects commit or roll back together.

    Args:
        key: Records the transaction as committed under this name; a later
            transaction with the key starts committed.
        commit_mode: EAGER, LAZY (default: the enclosing one's, else LAZY) or OFF.
        isolation_level: ``READ_COMMITTED`` (default: the enclosing one's, else
            READ_COMMITTED) or ``SERIALIZABLE``: the key is locked while the
            transaction runs, so a second one with the key waits for it.
        store: Where committed keys are recorded (default: the session's cache);
            a ``ResultStore(lock_manager=...)`` for ``SERIALIZABLE``.
        overwrite: Start uncommitted even when the key was committed before.
        write_on_commit: Record the key on commit.
        logger: Accepted for Prefect compatibility.

    Raises:
        IsolationLevelNotSupportedError: ``SERIALIZABLE`` with a key, and no
            store with a lock manager.
        InvalidIsolationLevelError: ``isolation_level`` names no level.
    """
    with Transaction(
        key, commit_mode, store, overwrite, write_on_commit, isolation_level
    ) as txn:
        yield txn


def in_transaction() -> bool:
    """Whether a transaction is in progress here (cheap: the hot path asks)."""
    return _current.get() is not None


def stage_task(value: Any, options: Any, failed: bool) -> None:
    """Record a finished task run in the transaction in progress (Prefect's
    per-task transaction): completed, its hooks are staged (committed at once
    with no transaction); failed, the transaction rolls back."""
    parent = _current.get()
    if failed:
        if parent is not None:
            parent.rollback()
        return
    rollback, commit = list(options.on_rollback), list(options.on_commit)
    if parent is None and not commit:
        return  # no transaction and nothing to commit: nothing to keep
    child = Transaction(key=None, commit_mode=parent.commit_mode if parent else None)
    child._parent = parent
    child.state = TransactionState.ACTIVE
    child.stage(value, rollback, commit)
    if parent is None or child.commit_mode is CommitMode.EAGER:
        child.commit()
    child.finish_in_parent()
