"""Judging a generator by numbers: distances to the data, modes captured, Parzen log-likelihood
(Table 1) and k-NN precision and recall."""

from __future__ import annotations

import math

import torch

from ._checks import int_below, positive_number
from .distances import pairwise_sq_distances, squared_distances

__all__ = [
    "mean_and_stderr",
    "mode_coverage",
    "parzen_log_likelihood",
    "precision_recall",
    "select_sigma",
    "squared_distances",
    "wasserstein_1d",
]


def _column(t: torch.Tensor) -> torch.Tensor:
    return t[:, 0] if t.ndim == 2 and t.shape[1] == 1 else t


def wasserstein_1d(x: torch.Tensor, y: torch.Tensor) -> float:
    """W₁(p, q) = ∫ |F_p⁻¹(u) − F_q⁻¹(u)| du, estimated from two equal-sized 1-D samples.

    With n samples each, the optimal transport plan matches the sorted samples in order, so
    W₁ is the mean of |x_(i) − y_(i)|. It is in the units of x: a shift by c costs exactly |c|.
    """
    x, y = (_column(torch.as_tensor(t).detach()) for t in (x, y))
    if x.ndim != 1 or y.ndim != 1 or len(x) != len(y) or len(x) == 0:
        raise ValueError(
            f"wasserstein_1d needs two non-empty 1-D samples of equal size, shapes (n,) or (n, 1); "
            f"got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    return float((x.sort().values.double().cpu() - y.sort().values.double().cpu()).abs().mean())


def mode_coverage(
    samples: torch.Tensor, centers: torch.Tensor, std: float, threshold: float = 3.0
) -> tuple[int, float]:
    """Modes captured and the fraction of high-quality samples (VEEGAN, 2017; PacGAN, 2018).

    A sample is *high quality* when it lies within ``threshold``·``std`` of its nearest mode; a
    mode is *captured* when it is the nearest mode of at least one high-quality sample. For the
    ring and grid benchmarks, ``centers`` are the mixture's means (e.g. ``ring().means``) and
    ``std`` its σ. Returns ``(modes_captured, high_quality_fraction)``.
    """
    samples, centers = (torch.as_tensor(t).detach() for t in (samples, centers))
    if centers.ndim != 2 or len(centers) == 0:
        raise ValueError(f"centers must have shape (K, d) with K ≥ 1, got {tuple(centers.shape)}")
    if samples.ndim != 2 or samples.shape[1] != centers.shape[1] or len(samples) == 0:
        raise ValueError(
            f"samples must have shape (n, {centers.shape[1]}) with n ≥ 1 to match centers, "
            f"got {tuple(samples.shape)}"
        )
    std, threshold = positive_number("std", std), positive_number("threshold", threshold)
    x, c = samples.double().cpu(), centers.double().cpu()
    if not torch.isfinite(x).all():
        raise ValueError("samples must be finite (a diverged generator makes inf or NaN)")
    # In chunks of samples: exact in float64 and never an (n, K, d) blow-up.
    nearest_sq, nearest = torch.empty(len(x), dtype=torch.float64), torch.empty(len(x), dtype=int)
    for start in range(0, len(x), 4096):
        sq = pairwise_sq_distances(x[start : start + 4096], c)  # (chunk, K)
        nearest_sq[start : start + 4096], nearest[start : start + 4096] = sq.min(dim=1)
    high_quality = nearest_sq <= (threshold * std) ** 2
    captured = int(nearest[high_quality].unique().numel())
    return captured, float(high_quality.double().mean())


def _points(name: str, t: object, dim: int | None = None) -> torch.Tensor:
    if not isinstance(t, torch.Tensor) or t.ndim != 2 or len(t) == 0:
        shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
        raise ValueError(f"{name} must be a tensor of shape (n, d) with n ≥ 1, got {shape}")
    if dim is not None and t.shape[1] != dim:
        raise ValueError(f"{name} has dimension {t.shape[1]}, the samples have {dim}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} must be finite (a diverged generator makes inf or NaN)")
    return t.detach()


def parzen_log_likelihood(
    samples: torch.Tensor,
    x: torch.Tensor,
    sigma: float,
    *,
    device: str | torch.device | None = None,
    chunk: int = 2048,
) -> torch.Tensor:
    """log p̂(x) = log (1/n) Σᵢ 𝒩(x; sᵢ, σ²I): the Parzen-window estimate of Table 1, per point.

    A Gaussian kernel of width ``sigma`` on each of the n generated ``samples`` (Breuleux et
    al., 2011; the paper's Section 5). Exact: squared distances in float64 and log-sum-exp over
    each test point's n kernels, so no kernel value underflows (scikit-learn's ``KernelDensity``
    goes wrong when they do: chapter 8). Test points go through in chunks of
    ``chunk`` on ``device`` (default: cuda → mps → cpu), so memory stays at chunk × n.
    Returns a float64 CPU tensor of shape ``(m,)`` for the m rows of ``x``.
    """
    samples = _points("samples", samples)
    x = _points("x", x, samples.shape[1])
    sigma = positive_number("sigma", sigma)
    n, d = samples.shape
    const = -math.log(n) - 0.5 * d * math.log(2 * math.pi * sigma**2)
    out = torch.cat(
        [
            torch.logsumexp(sq.mul_(-0.5 / sigma**2), dim=1)
            for sq in squared_distances(x, samples, device=device, chunk=chunk)
        ]
    )
    return (out + const).to("cpu", torch.float64)


def select_sigma(
    samples: torch.Tensor,
    valid: torch.Tensor,
    sigmas: torch.Tensor | list[float] | None = None,
    *,
    device: str | torch.device | None = None,
) -> tuple[float, torch.Tensor]:
    """argmax_σ mean log p̂_σ(valid): the Parzen width chosen on validation data (Table 1).

    ``sigmas`` defaults to the paper code's grid, logspace(−1, 0, 10) = 0.1 … 1 (its
    parzen_ll.py used the first 1,000 validation images). Returns ``(best_sigma, scores)``,
    the mean validation log-likelihood for each σ in order. A best σ at an end of the grid
    means the grid is too narrow for this data: the score is then not a maximum.
    """
    grid = torch.logspace(-1, 0, 10, dtype=torch.float64) if sigmas is None else sigmas
    grid = torch.as_tensor(grid, dtype=torch.float64).flatten()
    if len(grid) == 0:
        raise ValueError("sigmas must hold at least one width")
    for v in grid.tolist():
        positive_number("each sigma", v)
    scores = torch.stack(
        [parzen_log_likelihood(samples, valid, float(v), device=device).mean() for v in grid]
    )
    return float(grid[int(scores.argmax())]), scores


def mean_and_stderr(values: torch.Tensor) -> tuple[float, float]:
    """(mean, std/√N): how the paper reports Table 1 (“mean ± standard error”).

    The std is the sample standard deviation (divided by N − 1); the released ``parzen_ll.py``
    uses ``numpy.std`` (divided by N), which makes its ± smaller by a factor √((N − 1)/N).
    """
    values = torch.as_tensor(values, dtype=torch.float64).flatten()
    if len(values) < 2:
        raise ValueError(f"need at least 2 values for a standard error, got {len(values)}")
    return float(values.mean()), float(values.std() / math.sqrt(len(values)))


def _kth_neighbour_sq(points: torch.Tensor, k: int) -> torch.Tensor:
    # Squared distance from each point to its k-th nearest other point (itself excluded).
    sq = torch.cdist(points, points).square()
    sq.fill_diagonal_(math.inf)
    return sq.kthvalue(k, dim=1).values


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """k-NN precision and recall (Kynkäänniemi et al., 2019): quality and coverage of p_g.

    Each set's manifold is the union of balls around its points, each ball reaching the point's
    k-th nearest neighbour in its own set. Precision is the fraction of ``fake`` samples inside
    the real manifold (are samples realistic?); recall the fraction of ``real`` points inside
    the fake manifold (is all of p_data covered?). Both in [0, 1]; a collapsed G has high
    precision and low recall. Use equal-sized sets (the balls' radii depend on n).
    """
    real = _points("real", real).double().cpu()
    fake = _points("fake", fake, real.shape[1]).double().cpu()
    int_below("k", k, 1, min(len(real), len(fake)), "an int with 1 ≤ k < min(len(real), len(fake))")
    r_real, r_fake = _kth_neighbour_sq(real, k), _kth_neighbour_sq(fake, k)
    cross = torch.cdist(fake, real).square()  # (n_fake, n_real)
    precision = (cross <= r_real[None, :]).any(dim=1).double().mean()
    recall = (cross.T <= r_fake[None, :]).any(dim=1).double().mean()
    return float(precision), float(recall)
