"""The two players' costs from D's logits a (D = σ(a)), so they stay finite for any logit.

log D = log σ(a) = logsigmoid(a) and log(1 − D) = log σ(−a) = logsigmoid(−a): no sigmoid is
ever rounded to 0 or 1 before a log is taken.

One convention for every cost: a plain mean over the minibatch, with no factor ½. The minimax
cost is then exactly Eq. 1's second term and D's cost exactly −V. Goodfellow's 2016 tutorial
writes each cost with a factor ½ (its J^(D) is the cross-entropy over 2m samples, −V/2); that
halves every gradient alike and moves no minimum.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

__all__ = ["GENERATOR_LOSSES", "discriminator_loss", "generator_loss"]

GeneratorLoss = Literal["minimax", "nonsaturating", "maximum_likelihood"]
GENERATOR_LOSSES: tuple[str, ...] = ("minimax", "nonsaturating", "maximum_likelihood")


def _logits(name: str, a: torch.Tensor) -> torch.Tensor:
    if not isinstance(a, torch.Tensor):
        raise ValueError(f"{name} must be a tensor of D's logits, got {type(a).__name__}")
    if a.numel() == 0:
        raise ValueError(f"{name} is empty; D must score at least one sample")
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must have shape (n,) or (n, 1), got {tuple(a.shape)}")
    return a


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """−V(D, G) = −E_x[log D(x)] − E_z[log(1 − D(G(z)))]  (Eq. 1); D descends it to ascend V."""
    return minus_v(_logits("real_logits", real_logits), _logits("fake_logits", fake_logits))


def generator_loss(
    fake_logits: torch.Tensor, kind: GeneratorLoss = "nonsaturating"
) -> torch.Tensor:
    """G's cost on D(G(z)): ``"minimax"`` E_z[log(1 − D(G(z)))] (Eq. 1), or
    ``"nonsaturating"`` −E_z[log D(G(z))] (Section 3), the one that does not vanish early, or
    ``"maximum_likelihood"`` −E_z[exp(σ⁻¹(D(G(z))))] (Goodfellow, 2016, Section 3.2.4).

    Per logit a: ∂/∂a log(1 − σ(a)) = −D → 0 as D → 0, while ∂/∂a −log σ(a) = −(1 − D) → −1;
    ∂/∂a −eᵃ = −D/(1 − D) → 0 too. With D = D*, the maximum-likelihood cost's expected gradient
    is that of KL(p_data ‖ p_g), hence its name. The first two are finite for any logit; the
    maximum-likelihood cost overflows float32 above a ≈ 88 (use float64 there).
    """
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"unknown generator loss kind={kind!r}; choose one of {GENERATOR_LOSSES}")
    return g_cost(_logits("fake_logits", fake_logits), kind)


# The two costs over the last axis, unchecked: for one minibatch of logits (n,) a scalar, for a
# population's (N, n) one cost per member. Training calls these; the functions above check first.
def minus_v(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """−V per minibatch (Eq. 1), averaged over the last axis."""
    return -(F.logsigmoid(real).mean(-1) + F.logsigmoid(-fake).mean(-1))


def g_cost(fake: torch.Tensor, kind: GeneratorLoss) -> torch.Tensor:
    """G's cost per minibatch, averaged over the last axis."""
    if kind == "minimax":
        return F.logsigmoid(-fake).mean(-1)
    if kind == "nonsaturating":
        return -F.logsigmoid(fake).mean(-1)
    return -fake.exp().mean(-1)  # maximum likelihood: σ⁻¹(D) is the logit itself, D/(1 − D) = eᵃ
