import pytest
import scipy.stats as st
import torch

from ganlib import wasserstein_1d


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
