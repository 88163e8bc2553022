import math

import numpy as np
import pytest
import scipy.special
import scipy.stats as st
import torch

from ganlib import grid, mode_coverage, ring, wasserstein_1d


def test_wasserstein_matches_scipy():
    x, y = torch.randn(2000, dtype=torch.float64), torch.rand(2000, dtype=torch.float64) * 3
    assert abs(wasserstein_1d(x, y) - st.wasserstein_distance(x.numpy(), y.numpy())) < 1e-10
    assert abs(wasserstein_1d(x[:, None], y[:, None]) - wasserstein_1d(x, y)) < 1e-12


def test_a_shift_costs_exactly_the_shift():
    x = torch.randn(500, dtype=torch.float64)
    assert abs(wasserstein_1d(x, x + 2.5) - 2.5) < 1e-12
    assert wasserstein_1d(x, x) == 0.0


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (torch.zeros(5), torch.zeros(4)),
        (torch.zeros(5, 2), torch.zeros(5, 2)),
        (torch.zeros(0), torch.zeros(0)),
    ],
)
def test_bad_samples_are_named(x, y):
    with pytest.raises(ValueError, match="equal size"):
        wasserstein_1d(x, y)


def test_mode_coverage_by_hand():
    centers = ring(8, radius=2.0, std=0.02).means.double()  # 3σ = 0.06
    offsets = {
        0: [(0.009, 0), (0, 0.03), (-0.01, -0.01)],
        1: [(0, 0)],
        2: [(0, 0.059)],
        5: [(0.061, 0)],
    }
    samples = [
        centers[k] + torch.tensor(o, dtype=torch.float64) for k, os in offsets.items() for o in os
    ]
    samples.append(torch.zeros(2, dtype=torch.float64))  # the origin: far from every mode
    # High quality: the 3 at mode 0, mode 1's and mode 2's (0.059 < 0.06); not 0.061 off, nor the origin.
    assert mode_coverage(torch.stack(samples), centers, std=0.02) == (3, 5 / 7)
    # With threshold 0.5, within 0.5·0.02 = 0.01: only the one 0.009 off mode 0 and the one on mode 1.
    assert mode_coverage(torch.stack(samples), centers, std=0.02, threshold=0.5) == (2, 2 / 7)


def test_mode_coverage_of_the_data_itself():
    # In 2-D, |ε| ≤ tσ has probability 1 − exp(−t²/2): 0.98889 for t = 3, 0.39347 for t = 1.
    for mixture, modes in ((ring(8), 8), (grid(5), 25)):
        x = mixture.sample(20_000)
        std = mixture.stds[0].item()
        captured, fraction = mode_coverage(x, mixture.means, std)
        assert captured == modes
        se = math.sqrt(0.0111 / 20_000)
        assert abs(fraction - (1 - math.exp(-4.5))) < 5 * se
        assert abs(mode_coverage(x, mixture.means, std, threshold=1.0)[1] - 0.39347) < 0.02


def test_a_collapsed_generator_covers_one_mode():
    centers = grid(5).means
    collapsed = centers[7] + 0.01 * torch.randn(500, 2)
    assert mode_coverage(collapsed, centers, std=0.05) == (1, 1.0)


@pytest.mark.parametrize(
    ("samples", "centers", "std", "match"),
    [
        (torch.zeros(5, 3), torch.zeros(4, 2), 0.1, r"samples must have shape \(n, 2\).*\(5, 3\)"),
        (torch.zeros(5, 2), torch.zeros(2), 0.1, r"centers must have shape \(K, d\)"),
        (torch.zeros(5, 2), torch.zeros(4, 2), 0.0, "std must be a finite number > 0, got 0.0"),
        (torch.full((5, 2), math.nan), torch.zeros(4, 2), 0.1, "finite"),
    ],
)
def test_mode_coverage_names_bad_input(samples, centers, std, match):
    with pytest.raises(ValueError, match=match):
        mode_coverage(samples, centers, std)


# Parzen windows, k-NN precision and recall: against brute force written here in float64.
from ganlib import parzen_log_likelihood, precision_recall, select_sigma  # noqa: E402
from ganlib.metrics import mean_and_stderr  # noqa: E402


def _parzen_brute(samples, x, sigma):
    s, x = samples.double().numpy(), x.double().numpy()
    sq = ((x[:, None, :] - s[None, :, :]) ** 2).sum(-1)  # explicit differences: no cancellation
    d = s.shape[1]
    return (
        scipy.special.logsumexp(-sq / (2 * sigma**2), axis=1)
        - math.log(len(s))
        - d / 2 * math.log(2 * math.pi * sigma**2)
    )


@pytest.mark.parametrize(("d", "sigma"), [(2, 0.5), (64, 0.2), (64, 0.05), (784, 0.1), (784, 0.01)])
def test_parzen_matches_brute_force_float64(d, sigma):
    samples, x = torch.rand(300, d), torch.rand(70, d)
    ours = parzen_log_likelihood(samples, x, sigma, chunk=16).numpy()
    ref = _parzen_brute(samples, x, sigma)
    assert abs(ours - ref).max() < 1e-9 * max(1.0, abs(ref).max())
    if sigma <= 0.1:  # the underflow regime: every kernel value is 0.0 in float64
        s = samples.double()
        kernels = torch.exp(-torch.cdist(x.double(), s).square() / (2 * sigma**2))
        assert kernels.max() == 0.0 and torch.isfinite(torch.from_numpy(ours)).all()


def test_parzen_of_a_single_gaussian_kernel_is_its_log_density():
    mu, x = torch.tensor([[0.3, -1.0, 2.0]]).double(), torch.randn(10, 3).double()
    ref = st.multivariate_normal(mu[0].numpy(), 0.7**2 * np.eye(3)).logpdf(x.numpy())
    assert abs(parzen_log_likelihood(mu, x, 0.7).numpy() - ref).max() < 1e-10


def test_parzen_far_from_the_origin_keeps_its_digits():
    # ‖x‖² ≈ 10⁸: without centring, ‖x‖² + ‖s‖² − 2x·s would cancel to noise.
    samples, x = torch.rand(200, 16).double() + 1e3, torch.rand(30, 16).double() + 1e3
    ref = _parzen_brute(samples, x, 0.05)
    assert abs(parzen_log_likelihood(samples, x, 0.05).numpy() - ref).max() < 1e-6


def test_select_sigma_uses_the_papers_grid_and_the_best_validation_score():
    samples, valid = torch.rand(200, 8), torch.rand(50, 8)
    best, scores = select_sigma(samples, valid)
    grid = np.logspace(-1, 0, 10)
    ref = [_parzen_brute(samples, valid, s).mean() for s in grid]
    assert abs(scores.numpy() - ref).max() < 1e-9
    assert best == pytest.approx(grid[int(np.argmax(ref))])
    best2, scores2 = select_sigma(samples, valid, sigmas=[0.05, 0.3])
    assert len(scores2) == 2 and best2 in (0.05, 0.3)


def test_mean_and_stderr_is_scipys_sem():
    v = torch.randn(500).double()
    m, se = mean_and_stderr(v)
    assert m == pytest.approx(float(v.mean())) and se == pytest.approx(st.sem(v.numpy()))


def _pr_brute(real, fake, k):
    def radii(points):
        out = []
        for i, p in enumerate(points):
            d = sorted(float((p - q).norm()) for j, q in enumerate(points) if j != i)
            out.append(d[k - 1])
        return out

    r_real, r_fake = radii(real.double()), radii(fake.double())
    precision = np.mean(
        [
            any(float((f - r).norm()) <= rr for r, rr in zip(real.double(), r_real, strict=True))
            for f in fake.double()
        ]
    )
    recall = np.mean(
        [
            any(float((r - f).norm()) <= rf for f, rf in zip(fake.double(), r_fake, strict=True))
            for r in real.double()
        ]
    )
    return precision, recall


def test_precision_recall_against_brute_force():
    real, fake = torch.randn(60, 3), torch.randn(50, 3) * 1.5 + 0.5
    for k in (1, 3):
        p, r = precision_recall(real, fake, k=k)
        bp, br = _pr_brute(real, fake, k)
        assert (p, r) == pytest.approx((bp, br), abs=1e-12)


def test_precision_recall_tell_collapse_from_noise():
    real = torch.randn(400, 2)
    assert precision_recall(real, real.clone(), k=3) == (1.0, 1.0)
    collapsed = real[:5].repeat(80, 1) + 1e-3 * torch.randn(400, 2)  # 5 real points, copied
    p, r = precision_recall(real, collapsed, k=3)
    assert p == 1.0 and r < 0.1
    p, r = precision_recall(real, torch.randn(400, 2) + 100.0, k=3)
    assert (p, r) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: parzen_log_likelihood(torch.rand(5, 3), torch.rand(4, 2), 0.1), "dimension 2"),
        (lambda: parzen_log_likelihood(torch.rand(5, 3), torch.rand(4, 3), 0.0), "sigma"),
        (lambda: parzen_log_likelihood(torch.rand(5), torch.rand(4, 3), 0.1), r"shape \(n, d\)"),
        (
            lambda: parzen_log_likelihood(torch.full((5, 3), math.nan), torch.rand(4, 3), 0.1),
            "finite",
        ),
        (
            lambda: select_sigma(torch.rand(5, 3), torch.rand(4, 3), sigmas=[0.1, -1.0]),
            "each sigma",
        ),
        (lambda: select_sigma(torch.rand(5, 3), torch.rand(4, 3), sigmas=[]), "at least one"),
        (lambda: precision_recall(torch.rand(5, 3), torch.rand(5, 3), k=5), "k must be"),
        (lambda: mean_and_stderr(torch.ones(1)), "at least 2"),
    ],
)
def test_bad_metric_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
