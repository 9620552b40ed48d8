"""Thread-safe event bus: the engine publishes, stores and views subscribe.

Publishing calls each subscriber in the publisher's thread, so subscribers must be
cheap and never block (the run store only enqueues). Subscribing copies the list,
so publishing never takes a lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from taskbook.core.events import Event

Subscriber = Callable[[Event], None]

_log = logging.getLogger("taskbook.engine")


class EventBus:
    """Fan events out to subscribers."""

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; return a function that removes it."""
        with self._lock:
            self._subscribers = (*self._subscribers, subscriber)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(
                    s for s in self._subscribers if s is not subscriber
                )

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber; a failing subscriber is logged."""
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:  # a broken view must never break a run
                _log.exception("event subscriber %r failed", subscriber)
