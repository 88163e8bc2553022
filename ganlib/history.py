"""What a training run records of each iteration of Algorithm 1: V, G's cost, D's two means."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .algorithm1 import Iteration

__all__ = ["STATS", "History", "record"]

STATS = ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm")


@dataclass
class History:
    """What Algorithm 1 did, one entry per generator step: CPU tensors of shape ``(steps,)``, or
    ``(N, steps)`` for a population of N (row i is member i).

    ``d_loss`` is −V on D's last minibatch, ``g_loss`` G's cost, ``d_real`` and ``d_fake`` the mean
    of D(x) on real and of D(G(z)) on generated samples, ``g_grad_norm`` the norm of the gradient
    that G's step received. At the equilibrium p_g = p_data: d_loss → log 4 ≈ 1.386,
    d_real = d_fake → ½. ``diverged`` maps each population member whose loss became inf or NaN
    to that step (1-based); it was frozen there, and its entries from that step on are NaN.
    """

    d_loss: torch.Tensor
    g_loss: torch.Tensor
    d_real: torch.Tensor
    d_fake: torch.Tensor
    g_grad_norm: torch.Tensor
    diverged: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.d_loss.shape[-1]

    @classmethod
    def from_stats(cls, stats: torch.Tensor, diverged: dict[int, int] | None = None) -> History:
        """The History of ``stats``: (steps, 5) rows of :func:`record`, (steps, 5, N) for N."""
        stats = stats.detach().to("cpu", torch.float64)
        columns = (stats[:, i].movedim(0, -1).contiguous() for i in range(len(STATS)))
        return cls(*columns, diverged=dict(diverged or {}))


def _grad_norm(opt: torch.optim.Optimizer, members: int | None) -> torch.Tensor:
    """‖∇‖ of the gradient the optimizer's parameters hold: one norm, or one per member."""
    grads = [p.grad for p in opt.param_groups[0]["params"] if p.grad is not None]
    if members is None:
        return torch.nn.utils.get_total_norm(grads)
    per_tensor = [torch.linalg.vector_norm(g.flatten(1), dim=1) for g in grads]  # (N,) each
    return torch.linalg.vector_norm(torch.stack(per_tensor), dim=0)


def record(it: Iteration, opt_g: torch.optim.Optimizer, members: int | None) -> torch.Tensor:
    """One iteration's row of :class:`History`, shape ``(5,)``, or ``(5, N)`` for N members.

    Read right after :func:`~ganlib.algorithm1.iteration`: G's gradient is still on its
    parameters (the step leaves ``.grad`` as it was).
    """
    d_real, d_fake = it.real_logits.sigmoid().mean(-1), it.fake_logits.sigmoid().mean(-1)
    return torch.stack([it.d_loss, it.g_loss, d_real, d_fake, _grad_norm(opt_g, members)])
