"""Section 4 of the paper: the value function, the optimal discriminator and the global optimum.

Everything here is exact or numerical analysis, not training: it is what the trained networks of
:mod:`ganlib.algorithm1` are checked against.
"""

from __future__ import annotations

import math

import torch

from .distributions import GaussianMixture, mixture

__all__ = [
    "high_mass_interval",
    "jensen_shannon",
    "optimal_discriminator",
    "value_function",
    "virtual_criterion",
]


def _probabilities(name: str, d: torch.Tensor | float) -> torch.Tensor:
    d = torch.as_tensor(d, dtype=torch.float64)
    if d.numel() == 0:
        raise ValueError(f"{name} is empty; give D's outputs on at least one sample")
    if torch.isnan(d).any() or (d < 0).any() or (d > 1).any():
        bad = d[torch.isnan(d) | (d < 0) | (d > 1)].flatten()[0].item()
        raise ValueError(
            f"{name} must hold D's probabilities in [0, 1], found {bad}; "
            "pass torch.sigmoid(logits), or use ganlib.losses for logits"
        )
    return d


def value_function(d_real: torch.Tensor | float, d_fake: torch.Tensor | float) -> float:
    """V(D, G) = E_{x∼p_data}[log D(x)] + E_{z∼p_z}[log(1 − D(G(z)))]  (Eq. 1).

    Each expectation is the sample mean over the given outputs: ``d_real`` = D(x) on data,
    ``d_fake`` = D(G(z)) on generated samples, both probabilities in [0, 1].
    A perfect D (1 on data, 0 on fakes) gives 0; D = ½ everywhere gives −log 4.
    """
    d_real, d_fake = _probabilities("d_real", d_real), _probabilities("d_fake", d_fake)
    return float(d_real.log().mean() + torch.log1p(-d_fake).mean())


def optimal_discriminator(p_data: torch.Tensor | float, p_g: torch.Tensor | float) -> torch.Tensor:
    """D*_G(x) = p_data(x) / (p_data(x) + p_g(x))  (Prop. 1), from density values.

    Where both densities are 0 the maximiser is not determined by V; we return ½ there.
    """
    p_data = torch.as_tensor(p_data, dtype=torch.float64)
    p_g = torch.as_tensor(p_g, dtype=torch.float64)
    for name, p in (("p_data", p_data), ("p_g", p_g)):
        if torch.isnan(p).any() or (p < 0).any():
            raise ValueError(f"{name} must hold density values ≥ 0, got min {p.min().item()}")
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(1e-300), torch.full_like(total, 0.5))


def _grid(p: GaussianMixture, q: GaussianMixture, points_per_std: int) -> torch.Tensor:
    """A uniform grid that covers ±12σ of every component and resolves the narrowest one."""
    for name, dist in (("p_data", p), ("p_g", q)):
        if not isinstance(dist, GaussianMixture) or dist.dim != 1:
            raise ValueError(
                f"{name} must be a 1-D ganlib distribution (Gaussian or 1-D GaussianMixture), "
                f"got {dist!r}"
            )
    means = torch.cat([p.means.flatten(), q.means.flatten()]).double().cpu()
    stds = torch.cat([p.stds, q.stds]).double().cpu()
    lo, hi = float((means - 12 * stds).min()), float((means + 12 * stds).max())
    n = math.ceil((hi - lo) / float(stds.min()) * points_per_std) + 1
    if n > 20_000_000:
        raise ValueError(f"the distributions span {hi - lo:g} with a σ of {stds.min():g}: too wide")
    return torch.linspace(lo, hi, n, dtype=torch.float64)


def _log_probs(p: GaussianMixture, x: torch.Tensor) -> torch.Tensor:
    # Quadrature runs in float64 on the CPU whatever the distribution's own dtype and device.
    p64 = GaussianMixture(p.means.double().cpu(), p.stds.double().cpu(), p.weights.double().cpu())
    return p64.log_prob(x)


def _integrate(f: torch.Tensor, x: torch.Tensor) -> float:
    # The trapezoid rule converges exponentially fast for smooth integrands that decay like
    # Gaussians, so a uniform grid with ~40 points per σ is accurate far beyond 1e-6.
    return float(torch.trapezoid(f, x))


def virtual_criterion(p_data: GaussianMixture, p_g: GaussianMixture) -> float:
    """C(G) = max_D V(D, G) = E_{p_data}[log D*_G] + E_{p_g}[log(1 − D*_G)]  (Eq. 4, Thm. 1).

    No maximisation happens here: Prop. 1 gives the maximiser, so D*_G = p_data/(p_data + p_g)
    is substituted into V and the two expectations are integrated by quadrature, for two 1-D
    distributions (absolute error below 1e-6). Theorem 1 says the result equals
    −log 4 + 2·JSD(p_data ‖ p_g), with its minimum −log 4 exactly when p_g = p_data.
    """
    x = _grid(p_data, p_g, points_per_std=40)
    lp, lq = _log_probs(p_data, x), _log_probs(p_g, x)
    lm = torch.logaddexp(lp, lq)
    f = lp.exp() * (lp - lm) + lq.exp() * (lq - lm)
    return _integrate(f, x)


def jensen_shannon(p: GaussianMixture, q: GaussianMixture) -> float:
    """JSD(p ‖ q) = ½ KL(p ‖ M) + ½ KL(q ‖ M), M = (p + q)/2, in nats; in [0, log 2]  (Thm. 1)."""
    x = _grid(p, q, points_per_std=40)
    lp, lq = _log_probs(p, x), _log_probs(q, x)
    lm = torch.logaddexp(lp, lq) - math.log(2.0)
    f = 0.5 * (lp.exp() * (lp - lm) + lq.exp() * (lq - lm))
    return _integrate(f, x)


def high_mass_interval(
    p_data: GaussianMixture, p_g: GaussianMixture, mass: float = 0.99
) -> tuple[float, float]:
    """[a, b] holding ``mass`` of m = (p_data + p_g)/2, with equal tails: where D* is checked.

    Outside it both densities are tiny, V barely depends on D, and no training can pin D down.
    """
    _grid(p_data, p_g, points_per_std=1)  # validates: two 1-D distributions
    if not 0.0 < mass < 1.0:
        raise ValueError(f"mass is a probability in (0, 1), got {mass!r}")
    m = mixture(p_data, p_g)
    return m.icdf((1 - mass) / 2), m.icdf((1 + mass) / 2)
