"""The demo company's year: Spring Festival dip, 618 and Double 11 peaks, Golden Week, weekends,
and each category's own yearly wave.

``event_factor`` > 1 means extra orders and bigger ones (a promotion), < 1 means customers skip
orders (a holiday). ``weekday_factor`` damps weekends.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import lru_cache

# 春节 (first day of the lunar year). Extend when the demo has to reach further.
SPRING_FESTIVAL = {
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
    2036: date(2036, 1, 28),
    2037: date(2037, 2, 15),
    2038: date(2038, 2, 4),
    2039: date(2039, 1, 24),
    2040: date(2040, 2, 12),
}

# Days relative to the festival → factor. Shops stock up before it, then close for a week.
_FESTIVAL_PROFILE: tuple[tuple[int, int, float], ...] = (
    (-21, -8, 1.3),
    (-7, -3, 0.75),
    (-2, 6, 0.15),
    (7, 13, 0.5),
    (14, 20, 0.85),
)

WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.55, 0.3)  # Monday … Sunday


def _festival_factor(day: date) -> float:
    for year in (day.year, day.year + 1):
        festival = SPRING_FESTIVAL.get(year)
        if festival is None:
            continue
        offset = (day - festival).days
        for lo, hi, factor in _FESTIVAL_PROFILE:
            if lo <= offset <= hi:
                return factor
    return 1.0


@lru_cache(maxsize=8192)
def event_factor(day: date) -> float:
    """Promotions and holidays of the Chinese retail year, as a multiplier on demand."""
    m, d = day.month, day.day
    if m == 11 and 1 <= d <= 11:
        return 2.0 if d >= 9 else 1.8  # 双十一, strongest in its last days
    if m == 6 and 1 <= d <= 18:
        return 1.7 if d >= 16 else 1.5  # 618
    if (m == 10 and 20 <= d) or (m == 5 and 22 <= d):
        return 1.15  # shops stock up for the coming promotion
    if m == 10 and d <= 7:
        return 0.55  # 国庆黄金周
    return _festival_factor(day)


def weekday_factor(day: date) -> float:
    return WEEKDAY_FACTOR[day.weekday()]


def category_wave(peak_month: int | None, amplitude: float, day: date) -> float:
    """A category's yearly cycle (drinks in summer, liquor before the festival)."""
    if peak_month is None or amplitude == 0:
        return 1.0
    position = (day.month - 1 + (day.day - 1) / 31) - (peak_month - 1)
    return 1.0 + amplitude * math.cos(2 * math.pi * position / 12)


def next_workday(day: date) -> date:
    """Suppliers do not deliver on Sundays."""
    return day + timedelta(days=1) if day.weekday() == 6 else day


def date_range(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]
