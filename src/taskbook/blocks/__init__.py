"""Blocks: typed configuration, secrets and notifications saved in the local store."""

from __future__ import annotations

from taskbook.blocks.core import Block

__all__ = ("Block",)
