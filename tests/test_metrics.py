import math

import pytest
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
