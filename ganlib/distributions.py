"""The data distributions p_data of the book: 1-D Gaussians and isotropic Gaussian mixtures.

Every distribution samples ``(n, d)`` tensors and evaluates ``log_prob`` on them, on any device.
A :class:`Gaussian` is a one-component mixture, so there is one implementation of both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ._checks import int_at_least
from .distances import pairwise_sq_distances

__all__ = ["Gaussian", "GaussianMixture", "grid", "mixture", "ring"]

_LOG_2PI = math.log(2 * math.pi)


class GaussianMixture:
    """p(x) = Σ_k w_k 𝒩(x; μ_k, σ_k² I): K isotropic Gaussians in d dimensions.

    ``means`` has shape ``(K, d)``, ``stds`` shape ``(K,)`` (one σ per component) and
    ``weights`` shape ``(K,)``, non-negative and summing to 1 (uniform when omitted).
    """

    def __init__(
        self,
        means: Sequence | torch.Tensor,
        stds: Sequence | torch.Tensor,
        weights: Sequence | torch.Tensor | None = None,
    ) -> None:
        floating = isinstance(means, torch.Tensor) and means.is_floating_point()
        means = torch.as_tensor(means, dtype=None if floating else torch.get_default_dtype())
        stds = torch.as_tensor(stds, dtype=means.dtype)
        if means.ndim != 2 or means.shape[0] == 0 or means.shape[1] == 0:
            raise ValueError(
                f"means must have shape (K, d) with K, d ≥ 1, got {tuple(means.shape)}"
            )
        k = means.shape[0]
        if stds.shape != (k,):
            raise ValueError(
                f"stds must have shape (K,) = ({k},), one σ per mean, got {tuple(stds.shape)}"
            )
        if not (torch.isfinite(means).all() and torch.isfinite(stds).all() and (stds > 0).all()):
            raise ValueError(
                f"means must be finite and stds finite and > 0, got stds={stds.tolist()}"
            )
        if weights is None:
            weights = torch.full((k,), 1.0 / k, dtype=means.dtype, device=means.device)
        weights = torch.as_tensor(weights, dtype=means.dtype, device=means.device)
        if weights.shape != (k,) or (weights < 0).any() or abs(float(weights.sum()) - 1) > 1e-6:
            raise ValueError(
                f"weights must be {k} non-negative numbers summing to 1, got {weights.tolist()}"
            )
        self.means, self.stds, self.weights = means, stds.to(means.device), weights

    @property
    def dim(self) -> int:
        """d, the dimension of a sample."""
        return self.means.shape[1]

    @property
    def device(self) -> torch.device:
        return self.means.device

    def to(self, device: str | torch.device) -> GaussianMixture:
        """The same distribution with its parameters on ``device`` (so samples are drawn there)."""
        moved = object.__new__(type(self))
        moved.__dict__.update(self.__dict__)
        moved.means, moved.stds, moved.weights = (
            t.to(device) for t in (self.means, self.stds, self.weights)
        )
        return moved

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """x ∼ p: pick component k with probability w_k, then x = μ_k + σ_k ε, ε ∼ 𝒩(0, I)."""
        int_at_least("n", n, 0)
        k = (
            torch.multinomial(self.weights, n, replacement=True, generator=generator)
            if n
            else (torch.zeros(0, dtype=torch.long, device=self.device))
        )
        eps = torch.randn(
            n, self.dim, generator=generator, device=self.device, dtype=self.means.dtype
        )
        return self.means[k] + self.stds[k, None] * eps

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) = logsumexp_k [log w_k − ½ d log 2πσ_k² − ‖x − μ_k‖² / 2σ_k²], shape ``(n,)``."""
        x = torch.as_tensor(x, dtype=self.means.dtype, device=self.device)
        if self.dim == 1 and x.ndim == 1:
            x = x[:, None]  # a 1-D grid of points is the common case for d = 1
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(
                f"log_prob expects points of shape (n, {self.dim}), got {tuple(x.shape)}"
            )
        sq = pairwise_sq_distances(x, self.means)  # (n, K)
        var = self.stds.square()
        log_comp = -0.5 * sq / var - 0.5 * self.dim * (_LOG_2PI + var.log())
        return torch.logsumexp(log_comp + self.weights.log(), dim=1)

    def cdf(self, x: torch.Tensor | float) -> torch.Tensor:
        """F(x) = Σ_k w_k Φ((x − μ_k)/σ_k) for a 1-D mixture, elementwise."""
        if self.dim != 1:
            raise ValueError(f"cdf is defined for 1-D distributions, this one has dim={self.dim}")
        x = torch.as_tensor(x, dtype=self.means.dtype, device=self.device)
        z = (x[..., None] - self.means[:, 0]) / self.stds
        return (self.weights * torch.special.ndtr(z)).sum(-1)

    def icdf(self, q: float) -> float:
        """F⁻¹(q) for a 1-D mixture: the x below which a fraction q of the mass lies (bisection)."""
        if not 0.0 < q < 1.0:
            raise ValueError(f"q is a probability in (0, 1), got {q!r}")
        lo = float((self.means[:, 0] - 40 * self.stds).min())
        hi = float((self.means[:, 0] + 40 * self.stds).max())
        for _ in range(100):  # halves the bracket to below float64 resolution
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if float(self.cdf(mid)) < q else (lo, mid)
        return 0.5 * (lo + hi)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(K={self.means.shape[0]}, dim={self.dim})"


class Gaussian(GaussianMixture):
    """p(x) = 𝒩(x; μ, σ²) in one dimension; samples have shape ``(n, 1)``."""

    def __init__(self, mean: float, std: float) -> None:
        if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
            raise ValueError(
                f"Gaussian needs a finite mean and a std > 0, got mean={mean}, std={std}"
            )
        super().__init__([[float(mean)]], [float(std)])
        self.mean, self.std = float(mean), float(std)

    def __repr__(self) -> str:
        return f"Gaussian(mean={self.mean:g}, std={self.std:g})"


def ring(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> GaussianMixture:
    """The ring benchmark: ``n_modes`` equal Gaussians at angles 2πk/n_modes, k = 0…n_modes−1.

    The angles avoid ``linspace(0, 2π, n)``, whose repeated end point leaves n − 1 distinct modes.
    """
    if n_modes < 1 or radius <= 0:
        raise ValueError(f"ring needs n_modes ≥ 1 and radius > 0, got {n_modes}, {radius}")
    angle = 2 * math.pi * torch.arange(n_modes, dtype=torch.float64) / n_modes
    means = radius * torch.stack([angle.cos(), angle.sin()], dim=1)
    return GaussianMixture(means.to(torch.get_default_dtype()), [std] * n_modes)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """The grid benchmark: side × side equal Gaussians ``spacing`` apart, centred on the origin."""
    if side < 1 or spacing <= 0:
        raise ValueError(f"grid needs side ≥ 1 and spacing > 0, got {side}, {spacing}")
    ticks = (torch.arange(side, dtype=torch.get_default_dtype()) - (side - 1) / 2) * spacing
    means = torch.cartesian_prod(ticks, ticks)
    return GaussianMixture(means.reshape(-1, 2), [std] * side * side)


def mixture(p: GaussianMixture, q: GaussianMixture, weight: float = 0.5) -> GaussianMixture:
    """(1 − weight)·p + weight·q, e.g. m = (p_data + p_g)/2 of Theorem 1's proof."""
    if p.dim != q.dim or not 0.0 <= weight <= 1.0:
        raise ValueError(
            f"mixture needs equal dims and weight in [0, 1], got {p.dim}, {q.dim}, {weight}"
        )
    dtype, device = p.means.dtype, p.device
    return GaussianMixture(
        torch.cat([p.means, q.means.to(device, dtype)]),
        torch.cat([p.stds, q.stds.to(device, dtype)]),
        torch.cat([(1 - weight) * p.weights, weight * q.weights.to(device, dtype)]),
    )
