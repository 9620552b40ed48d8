"""``prefect.transactions``: task side effects that commit or roll back together."""

from __future__ import annotations

from taskbook.core.cache import IsolationLevel
from taskbook.engine.transactions import (
    CommitMode,
    Transaction,
    TransactionState,
    get_transaction,
    transaction,
)

__all__ = (
    "CommitMode",
    "IsolationLevel",
    "Transaction",
    "TransactionState",
    "get_transaction",
    "transaction",
)
