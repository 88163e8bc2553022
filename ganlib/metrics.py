"""Distances between the generator's samples and the data, for judging training by numbers."""

from __future__ import annotations

import math

import torch

__all__ = ["mode_coverage", "wasserstein_1d"]


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
    for name, v in (("std", std), ("threshold", threshold)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not (0 < v < math.inf):
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    x, c = samples.double().cpu(), centers.double().cpu()
    if not torch.isfinite(x).all():
        raise ValueError("samples must be finite (a diverged generator makes inf or NaN)")
    # Explicit differences, in chunks of samples: exact in float64 and never an (n, K, d) blow-up.
    nearest_sq, nearest = torch.empty(len(x), dtype=torch.float64), torch.empty(len(x), dtype=int)
    for start in range(0, len(x), 4096):
        sq = (x[start : start + 4096, None, :] - c[None]).square().sum(-1)  # (chunk, K)
        nearest_sq[start : start + 4096], nearest[start : start + 4096] = sq.min(dim=1)
    high_quality = nearest_sq <= (threshold * std) ** 2
    captured = int(nearest[high_quality].unique().numel())
    return captured, float(high_quality.double().mean())
