import itertools
import math

import numpy as np
import pytest
import scipy.integrate as si
import scipy.stats as st
import torch

from ganlib import (
    Gaussian,
    GaussianMixture,
    high_mass_interval,
    jensen_shannon,
    optimal_discriminator,
    value_function,
    virtual_criterion,
)

PAIRS = [
    ((0.0, 1.0), (0.0, 1.0)),
    ((0.0, 1.0), (1.0, 1.5)),
    ((2.0, 0.3), (-1.0, 2.0)),
    ((0.0, 1.0), (8.0, 1.0)),
    ((0.0, 0.05), (0.1, 0.02)),
]


def _quad(f, lo, hi):
    # scipy's adaptive quadrature on a split range: an independent reference.
    points = np.linspace(lo, hi, 9)
    return sum(
        si.quad(f, a, b, epsabs=1e-13, epsrel=1e-13, limit=500)[0]
        for a, b in itertools.pairwise(points)
    )


def _scipy_c_and_jsd(p, q):
    (mp, sp), (mq, sq) = p, q
    lo, hi = min(mp - 14 * sp, mq - 14 * sq), max(mp + 14 * sp, mq + 14 * sq)

    def c(x):
        a, b = st.norm.pdf(x, mp, sp), st.norm.pdf(x, mq, sq)
        return sum(v * math.log(v / (a + b)) for v in (a, b) if v > 0)

    def kl_to_m(x, own):
        a, b = st.norm.pdf(x, mp, sp), st.norm.pdf(x, mq, sq)
        v = a if own == 0 else b
        return v * math.log(2 * v / (a + b)) if v > 0 else 0.0

    jsd = 0.5 * (_quad(lambda x: kl_to_m(x, 0), lo, hi) + _quad(lambda x: kl_to_m(x, 1), lo, hi))
    return _quad(c, lo, hi), jsd


@pytest.mark.parametrize(("p", "q"), PAIRS)
def test_virtual_criterion_and_jsd_match_scipy_quadrature(p, q):
    c_ref, jsd_ref = _scipy_c_and_jsd(p, q)
    assert abs(virtual_criterion(Gaussian(*p), Gaussian(*q)) - c_ref) < 1e-6
    assert abs(jensen_shannon(Gaussian(*p), Gaussian(*q)) - jsd_ref) < 1e-6


@pytest.mark.parametrize(("p", "q"), PAIRS)
def test_theorem_1_c_equals_minus_log4_plus_twice_jsd(p, q):
    c = virtual_criterion(Gaussian(*p), Gaussian(*q))
    assert abs(c - (-math.log(4) + 2 * jensen_shannon(Gaussian(*p), Gaussian(*q)))) < 1e-9
    assert c >= -math.log(4) - 1e-12


def test_global_minimum_is_minus_log4_and_far_apart_gives_zero():
    p = Gaussian(0.3, 0.8)
    assert abs(virtual_criterion(p, Gaussian(0.3, 0.8)) + math.log(4)) < 1e-12
    assert abs(jensen_shannon(p, Gaussian(100.0, 0.8)) - math.log(2)) < 1e-9  # disjoint supports
    assert abs(virtual_criterion(p, Gaussian(100.0, 0.8))) < 1e-9


def test_criterion_works_for_a_bimodal_mixture():
    mix = GaussianMixture([[-2.0], [2.0]], [0.5, 0.5])
    g = Gaussian(0.0, 2.0)

    def c(x):
        a = 0.5 * (st.norm.pdf(x, -2, 0.5) + st.norm.pdf(x, 2, 0.5))
        b = st.norm.pdf(x, 0, 2.0)
        return sum(v * math.log(v / (a + b)) for v in (a, b) if v > 0)

    assert abs(virtual_criterion(mix, g) - _quad(c, -30, 30)) < 1e-6


def test_optimal_discriminator_is_prop_1():
    p_data = torch.tensor([0.2, 0.0, 1.0, 0.0])
    p_g = torch.tensor([0.2, 0.5, 0.0, 0.0])
    torch.testing.assert_close(
        optimal_discriminator(p_data, p_g), torch.tensor([0.5, 0.0, 1.0, 0.5], dtype=torch.float64)
    )


def test_optimal_discriminator_maximises_the_pointwise_value():
    # y ↦ a log y + b log(1 − y) peaks at a / (a + b): check against a dense grid search.
    y = torch.linspace(1e-4, 1 - 1e-4, 100_001, dtype=torch.float64)
    for a, b in [(0.3, 0.7), (2.0, 0.1), (1.0, 1.0)]:
        best = y[torch.argmax(a * y.log() + b * torch.log1p(-y))]
        assert abs(best.item() - optimal_discriminator(a, b).item()) < 1e-4


def test_value_function_extremes_and_naive_formula():
    assert value_function(torch.ones(5), torch.zeros(5)) == 0.0  # perfect D
    assert abs(value_function(0.5, 0.5) + math.log(4)) < 1e-15  # D = ½
    d_real, d_fake = torch.rand(100), torch.rand(50)
    naive = (
        sum(math.log(v) for v in d_real.tolist()) / 100
        + sum(math.log(1 - v) for v in d_fake.tolist()) / 50
    )
    assert abs(value_function(d_real, d_fake) - naive) < 1e-6


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: value_function(torch.tensor([0.5, 1.2]), 0.5), r"\[0, 1\].*1\.2"),
        (lambda: value_function(torch.tensor([]), 0.5), "empty"),
        (lambda: optimal_discriminator(torch.tensor([-0.1]), 1.0), "≥ 0"),
        (lambda: virtual_criterion(GaussianMixture([[0.0, 0.0]], [1.0]), Gaussian(0, 1)), "1-D"),
    ],
)
def test_theory_rejects_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_high_mass_interval_holds_the_mass():
    p, q = Gaussian(0.0, 1.0), Gaussian(3.0, 0.5)
    lo, hi = high_mass_interval(p, q, mass=0.99)
    inside = 0.5 * (st.norm.cdf(hi, 0, 1) - st.norm.cdf(lo, 0, 1)) + 0.5 * (
        st.norm.cdf(hi, 3, 0.5) - st.norm.cdf(lo, 3, 0.5)
    )
    assert abs(inside - 0.99) < 1e-6
    same_lo, same_hi = high_mass_interval(p, Gaussian(0.0, 1.0), mass=0.95)
    assert abs(same_hi - 1.959964) < 1e-5 and abs(same_lo + 1.959964) < 1e-5
    with pytest.raises(ValueError, match="mass is a probability"):
        high_mass_interval(p, q, mass=1.5)
