"""Statistics against published worked examples."""

from __future__ import annotations

import math

import pytest

from audit.reporting.stats import Z95, Z998, funnel_limits, funnel_position, wilson, wilson_around


@pytest.mark.parametrize("n,d,low,high", [
    # Newcombe RG (1998) Two-sided confidence intervals for the single proportion, Stat Med 17:857-872, Table I, method 3
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe(n, d, low, high):
    lo, hi = wilson(n, d)
    assert lo == pytest.approx(low, abs=5e-5) and hi == pytest.approx(high, abs=5e-5)


def test_wilson_by_hand():
    # p = 0.5, n = 100: centre 0.5, half-width z*sqrt(0.25/100 + z^2/40000)/(1 + z^2/100)
    z = Z95
    half = z * math.sqrt(0.25 / 100 + z * z / 40000) / (1 + z * z / 100)
    assert wilson(50, 100) == pytest.approx((0.5 - half, 0.5 + half))
    assert all(math.isnan(x) for x in wilson(0, 0))  # no interval without a denominator


def test_z_values():
    from statistics import NormalDist

    assert Z95 == pytest.approx(NormalDist().inv_cdf(0.975))
    assert Z998 == pytest.approx(NormalDist().inv_cdf(0.999))


def test_funnel_limits_are_wilson_around_the_target_and_narrow():
    target = 0.3
    for n in (10, 100, 1000):
        limits = funnel_limits(target, n)
        assert (limits.low95, limits.high95) == pytest.approx(wilson_around(target, n, Z95))
        assert limits.low998 < limits.low95 < target < limits.high95 < limits.high998
    assert funnel_limits(target, 1000).high95 - funnel_limits(target, 1000).low95 < funnel_limits(target, 10).high95 - funnel_limits(target, 10).low95


@pytest.mark.parametrize("n,d,target,expected", [
    (50, 100, 0.5, "within"),
    (62, 100, 0.5, "above-95"),      # 0.62 > 0.5962 but < 0.6423
    (38, 100, 0.5, "below-95"),
    (70, 100, 0.5, "above-99.8"),
    (300, 1000, 0.5, "below-99.8"),
    (3, 5, 0.5, "within"),
])
def test_funnel_positions(n, d, target, expected):
    assert funnel_position(n, d, target) == expected
