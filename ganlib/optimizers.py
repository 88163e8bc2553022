"""The optimizers of Algorithm 1's updates, and the original code's SGD schedule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import torch

__all__ = [
    "DEFAULT_LR",
    "SCHEDULES",
    "Schedule",
    "make_optimizer",
    "paper_schedule",
    "set_schedule",
]

# The default learning rate of each optimizer, constant: measured to learn the 1-D Gaussians of
# the book (benchmarks/RESULTS.md, "The default learning rates"). The original code's lr 0.1 with decay and momentum 0.5 → 0.7 was tuned
# for MNIST over hundreds of epochs; over a few thousand steps its decay would barely act.
DEFAULT_LR = {"sgd": 0.05, "adam": 2e-4}
SCHEDULES = ("constant", "paper")
Schedule = Literal["constant", "paper"]


def make_optimizer(
    kind: str, params: Iterable[torch.nn.Parameter], lr: float, device: torch.device
) -> torch.optim.Optimizer:
    if kind == "adam":
        # β1 = 0.5 (Radford et al., 2016): Adam's default 0.9 carries too much momentum for a
        # two-player game, whose gradients turn as the other player moves. The fused kernel
        # updates every tensor in one call instead of torch's Python loop over them (the default
        # on the CPU): 1.25-1.3× faster steps on the book's models (benchmarks/RESULTS.md).
        fused = device.type in ("cpu", "cuda") or None
        return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999), fused=fused)
    # The paper: "we used momentum"; the original code starts at 0.5 (and ramps it to 0.7 over
    # 250 epochs, with lr 0.1 decayed per update). ganlib keeps 0.5 and a constant lr. SGD stays
    # torch's default: its fused kernel bought ≤ 5% and rounds differently when lr changes.
    return torch.optim.SGD(params, lr=lr, momentum=0.5)


# The original MNIST code (goodfeli/adversarial, mnist.yaml): lr 0.1 divided by 1.000004 after
# every update down to 1e-6; momentum from 0.5 at epoch 1 to 0.7 at epoch 250.
_PAPER_LR_DECAY, _PAPER_LR_FLOOR = 1.000004, 1e-6
_PAPER_MOMENTUM, _PAPER_RAMP_EPOCHS = (0.5, 0.7), 250
PAPER_EPOCH = 50_000  # examples per epoch when data is a distribution: MNIST's training set


def paper_schedule(step: int, lr: float, epoch_size: int, batch_size: int) -> tuple[float, float]:
    """(lr, momentum) at a step of the paper's MNIST run: lr/1.000004^step, momentum 0.5 → 0.7.

    lr falls by a factor 1.000004 per update (floor 1e-6); momentum rises linearly from 0.5
    after the first epoch to 0.7 at epoch 250 and stays there (mnist.yaml's MomentumAdjustor).
    """
    epoch = step * batch_size / epoch_size
    ramp = min(max(epoch - 1, 0.0) / (_PAPER_RAMP_EPOCHS - 1), 1.0)
    lo, hi = _PAPER_MOMENTUM
    return max(lr / _PAPER_LR_DECAY**step, _PAPER_LR_FLOOR), lo + (hi - lo) * ramp


def set_schedule(opts: tuple[torch.optim.Optimizer, ...], lr: float, momentum: float) -> None:
    for opt in opts:
        for group in opt.param_groups:
            group["lr"], group["momentum"] = lr, momentum
