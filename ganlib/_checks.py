"""The checks every public function makes of its plain arguments: a clear error naming the value.

Each returns the value it accepted, so a caller checks and assigns in one line. ``bool`` is
refused where an int is asked for: ``True`` is an int to Python, but never a count or a seed.
"""

from __future__ import annotations

import math

__all__ = ["flag", "int_at_least", "int_below", "positive_number"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def int_at_least(name: str, value: object, low: int, *, or_none: bool = False) -> int | None:
    """``value`` when it is an int ≥ ``low`` (or None, with ``or_none``); else a ValueError."""
    if or_none and value is None:
        return None
    if not _is_int(value) or value < low:
        accepted = f"None or an int ≥ {low}" if or_none else f"an int ≥ {low}"
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return value


def int_below(name: str, value: object, low: int, high: int, accepted: str) -> int:
    """``value`` when it is an int with ``low`` ≤ value < ``high``; else a ValueError saying
    ``accepted``."""
    if not _is_int(value) or not low <= value < high:
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return value


def positive_number(name: str, value: object) -> float:
    """``value`` as a float when it is a finite number > 0; else a ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (math.isfinite(value) and value > 0)
    ):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def flag(name: str, value: object) -> bool:
    """``value`` when it is True or False; else a ValueError."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value
