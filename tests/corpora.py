"""Where the shared corpora of real notebooks are: ``../shared/corpora`` beside the checkout.

A clone placed elsewhere (a CI workspace) finds them through ``$TASKBOOK_CORPORA``
or the workplace's fixed location.
"""

from __future__ import annotations

import os
from pathlib import Path

_CANDIDATES = [
    Path(os.environ.get("TASKBOOK_CORPORA", "")),
    Path(__file__).resolve().parents[2] / "shared" / "corpora",
    Path("/work/shared/corpora"),
]

CORPORA = next(
    (p for p in _CANDIDATES if str(p) != "." and (p / "etl").is_dir()),
    _CANDIDATES[1],
)
ETL = CORPORA / "etl"
PAPERMILL = CORPORA / "papermill"
