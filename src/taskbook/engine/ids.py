"""Fast random run ids (UUID4 format) for the engine's hot path.

``uuid.uuid4()`` reads ``os.urandom`` on every call, which costs ~50 µs on the
virtual machines we run on; a per-process PRNG seeded from ``os.urandom`` costs
~1 µs. The generator is reseeded after a fork, so children never repeat ids.
"""

from __future__ import annotations

import os
import random
import uuid

_rng = random.Random(os.urandom(32))
_pid = os.getpid()


def new_id() -> str:
    """Return a new random UUID4 string."""
    global _rng, _pid
    if os.getpid() != _pid:
        _rng, _pid = random.Random(os.urandom(32)), os.getpid()
    bits = _rng.getrandbits(128)
    # Set the version (4) and variant (RFC 4122) bits as uuid4() does.
    bits = (bits & ~(0xF000 << 64)) | (4 << 76)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    return str(uuid.UUID(int=bits))
