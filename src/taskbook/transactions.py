"""``prefect.transactions``: task side effects that commit or roll back together."""

from __future__ import annotations

from taskbook.engine.transactions import (
    CommitMode,
    Transaction,
    TransactionState,
    get_transaction,
    transaction,
)

__all__ = (
    "CommitMode",
    "Transaction",
    "TransactionState",
    "get_transaction",
    "transaction",
)
