"""Proportions compared fairly: Wilson score intervals and funnel-plot limits.

Kept small and separate so it can be checked against published worked
examples (see tests/test_stats.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
Z998 = 3.090232306167813  # two-sided 99.8%


def wilson(numerator: int, denominator: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for numerator/denominator (Wilson 1927; Newcombe 1998, method 3)."""
    if denominator <= 0:
        return (math.nan, math.nan)
    return wilson_around(numerator / denominator, denominator, z)


def wilson_around(p: float, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion p observed over n."""
    if n <= 0:
        return (math.nan, math.nan)
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    scale = 1 + z2 / n
    return (max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale))


@dataclass(frozen=True)
class Limits:
    """Funnel control limits at one denominator."""

    low95: float
    high95: float
    low998: float
    high998: float


def funnel_limits(target: float, denominator: int) -> Limits:
    """Control limits around a target proportion for a unit of size `denominator`.

    Uses the Wilson score interval around the target, as England's public
    health profiles (Fingertips) do for proportions: 95% limits at z=1.96
    and 99.8% at z=3.09.
    """
    lo95, hi95 = wilson_around(target, denominator, Z95)
    lo998, hi998 = wilson_around(target, denominator, Z998)
    return Limits(lo95, hi95, lo998, hi998)


def funnel_position(numerator: int, denominator: int, target: float) -> str:
    """`within`, `above-95`, `below-95`, `above-99.8` or `below-99.8`."""
    if denominator <= 0:
        return "within"
    value = numerator / denominator
    limits = funnel_limits(target, denominator)
    if value > limits.high998:
        return "above-99.8"
    if value < limits.low998:
        return "below-99.8"
    if value > limits.high95:
        return "above-95"
    if value < limits.low95:
        return "below-95"
    return "within"


def newcombe_difference(n1: int, d1: int, n2: int, d2: int, z: float = Z95) -> tuple[float, float, float]:
    """p2 - p1 with its interval by Newcombe's hybrid score method (Newcombe 1998, method 10).

    Built from the two Wilson intervals, so it stays inside [-1, 1] and behaves
    at 0% and 100%, where the simple Wald interval collapses.
    """
    p1, p2 = n1 / d1, n2 / d2
    l1, u1 = wilson(n1, d1, z)
    l2, u2 = wilson(n2, d2, z)
    difference = p2 - p1
    low = difference - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = difference + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return difference, low, high
