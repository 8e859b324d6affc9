"""Months as ``YYYY-MM`` strings; one simulation step is one month."""

from __future__ import annotations

import re

from sim.errors import ConfigError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, key: str = "date") -> str:
    """Validate a ``YYYY-MM`` month and return it normalised.

    Raises:
        ConfigError: naming ``key`` if malformed or the month is not 01..12.
    """
    match = _MONTH.match(str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2200:
        raise ConfigError(f"{key}={text!r}: expected a month written YYYY-MM (e.g. 2024-03)")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def month_number(month: str) -> int:
    """Months since year 0 of a valid ``YYYY-MM`` string."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_index(start: str, month: str) -> int:
    """Steps from ``start`` to ``month`` (0 for the start month itself)."""
    return month_number(month) - month_number(start)


def add_months(start: str, months: int) -> str:
    """The month ``months`` after ``start``."""
    total = month_number(start) + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` inclusive."""
    return [add_months(start, k) for k in range(month_index(start, end) + 1)]
