"""Squared Euclidean distances ‖xᵢ − y_j‖² between two sets of points, two ways.

:func:`pairwise_sq_distances` subtracts explicitly: exact to the last digit in float64 (a point
is at distance 0 from itself), memory n × K × d. :func:`squared_distances` uses one matrix
product per chunk, for large sets on an accelerator (Parzen windows, nearest neighbours).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from ._checks import int_at_least
from .device import resolve_device

__all__ = ["pairwise_sq_distances", "squared_distances"]


def pairwise_sq_distances(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """‖xᵢ − y_j‖² = Σ_d (x_id − y_jd)², shape ``(n, K)``, in the inputs' dtype (float64: exact).

    Explicit differences, not ``torch.cdist``, whose matrix-product shortcut loses digits.
    """
    return (x[:, None, :] - y[None]).square().sum(-1)


def squared_distances(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    device: str | torch.device | None = None,
    chunk: int = 2048,
) -> Iterator[torch.Tensor]:
    """‖xᵢ − y_j‖² for chunks of ``chunk`` rows of x: (chunk, len(y)) tensors on ``device``.

    One matrix product per chunk, ‖x‖² + ‖y‖² − 2 x·y, in float64 (float32 on MPS, which has no
    float64), with both sets centred on y's mean so that little is lost to cancellation. Memory
    stays at chunk × len(y). Default device: cuda → mps → cpu.
    """
    int_at_least("chunk", chunk, 1)
    device = resolve_device(device)
    dtype = torch.float32 if device.type == "mps" else torch.float64
    y = y.detach().to(device, dtype)
    mean = y.mean(0)
    y = y - mean
    y_sq = y.square().sum(1)
    for start in range(0, len(x), chunk):
        xc = x[start : start + chunk].detach().to(device, dtype) - mean
        yield (xc.square().sum(1, keepdim=True) + y_sq - 2 * xc @ y.T).clamp_(min=0)
