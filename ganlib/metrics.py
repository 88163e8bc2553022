"""Distances between the generator's samples and the data, for judging training by numbers."""

from __future__ import annotations

import torch

__all__ = ["wasserstein_1d"]


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
