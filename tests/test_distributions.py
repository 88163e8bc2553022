import math

import pytest
import scipy.stats as st
import torch

from ganlib import Gaussian, GaussianMixture, grid, mixture, ring


def test_gaussian_log_prob_matches_scipy():
    p = Gaussian(1.5, 0.7)
    x = torch.linspace(-3, 5, 101, dtype=torch.float64)
    ref = torch.from_numpy(st.norm.logpdf(x.numpy(), 1.5, 0.7))
    assert p.dim == 1
    torch.testing.assert_close(p.log_prob(x[:, None]).double(), ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(p.log_prob(x).double(), ref, atol=1e-5, rtol=0)  # 1-D grid too


def test_gaussian_samples_have_the_right_moments():
    x = Gaussian(-2.0, 0.5).sample(200_000)
    assert x.shape == (200_000, 1)
    assert abs(x.mean().item() + 2.0) < 0.01
    assert abs(x.std().item() - 0.5) < 0.01


def test_mixture_log_prob_matches_scipy_in_2d():
    means = torch.tensor([[0.0, 0.0], [3.0, -1.0]], dtype=torch.float64)
    mix = GaussianMixture(means, [0.5, 2.0], weights=[0.3, 0.7])
    x = torch.randn(50, 2, dtype=torch.float64) * 3
    ref = torch.logaddexp(
        torch.from_numpy(st.multivariate_normal([0, 0], 0.25 * torch.eye(2).numpy()).logpdf(x))
        + math.log(0.3),
        torch.from_numpy(st.multivariate_normal([3, -1], 4.0 * torch.eye(2).numpy()).logpdf(x))
        + math.log(0.7),
    )
    torch.testing.assert_close(mix.log_prob(x), ref, atol=1e-10, rtol=0)


def test_mixture_samples_follow_the_weights():
    mix = GaussianMixture([[-10.0], [10.0]], [0.1, 0.1], weights=[0.25, 0.75])
    x = mix.sample(40_000)
    assert abs((x[:, 0] > 0).float().mean().item() - 0.75) < 0.01


def test_ring_has_n_distinct_modes_on_the_circle():
    r = ring(8, radius=2.0, std=0.02)
    assert r.means.shape == (8, 2) and r.dim == 2
    torch.testing.assert_close(r.means.norm(dim=1), torch.full((8,), 2.0))
    gaps = torch.cdist(r.means, r.means) + torch.eye(8) * 99
    assert gaps.min() > 1.5  # no repeated end point: 8 distinct modes, 2·2·sin(π/8) ≈ 1.53 apart


def test_grid_is_centred_with_the_given_spacing():
    g = grid(5, spacing=2.0, std=0.05)
    assert g.means.shape == (25, 2)
    assert sorted(set(g.means[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    torch.testing.assert_close(g.means.mean(0), torch.zeros(2))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Gaussian(0.0, 0.0), "std > 0"),
        (lambda: GaussianMixture([0.0, 1.0], [1.0, 1.0]), r"shape \(K, d\)"),
        (lambda: GaussianMixture([[0.0], [1.0]], [1.0]), r"shape \(K,\)"),
        (lambda: GaussianMixture([[0.0], [1.0]], [1.0, 1.0], [0.5, 0.3]), "summing to 1"),
        (lambda: Gaussian(0, 1).sample(-1), "n must be"),
        (lambda: ring(0), "n_modes"),
        (lambda: Gaussian(0, 1).log_prob(torch.zeros(3, 2)), r"shape \(n, 1\)"),
    ],
)
def test_bad_parameters_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_cdf_and_icdf_match_scipy_for_a_mixture():
    mix = GaussianMixture([[-2.0], [1.0]], [0.5, 1.5], weights=[0.3, 0.7])
    x = torch.linspace(-6, 6, 25, dtype=torch.float64)
    ref = 0.3 * st.norm.cdf(x.numpy(), -2, 0.5) + 0.7 * st.norm.cdf(x.numpy(), 1, 1.5)
    torch.testing.assert_close(mix.cdf(x).double(), torch.from_numpy(ref), atol=1e-6, rtol=0)
    for q in (0.005, 0.3, 0.5, 0.995):
        assert abs(float(mix.cdf(mix.icdf(q))) - q) < 1e-6
    assert abs(Gaussian(1.0, 2.0).icdf(0.975) - st.norm.ppf(0.975, 1, 2)) < 1e-5
    with pytest.raises(ValueError, match=r"q is a probability in \(0, 1\), got 1.0"):
        mix.icdf(1.0)
    with pytest.raises(ValueError, match="1-D distributions"):
        ring(4).cdf(torch.zeros(2))


def test_mixture_of_two_distributions_is_their_average():
    p, q = Gaussian(0, 1), Gaussian(3, 0.5)
    m = mixture(p, q)
    x = torch.linspace(-3, 5, 50)
    expected = torch.logaddexp(p.log_prob(x), q.log_prob(x)) - math.log(2)
    torch.testing.assert_close(m.log_prob(x), expected)
    with pytest.raises(ValueError, match="equal dims"):
        mixture(p, ring(4))
