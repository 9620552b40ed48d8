"""``prefect.locking``: lock managers for ``SERIALIZABLE`` transactions and caches.

As in Prefect, import them from their modules: ``taskbook.locking.memory``,
``taskbook.locking.filesystem``, ``taskbook.locking.protocol``.
"""

from __future__ import annotations
