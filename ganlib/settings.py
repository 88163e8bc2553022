"""What one run of Algorithm 1 computes: k, m, G's cost, the optimizer and its learning rates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ._checks import int_at_least, positive_number
from .losses import GENERATOR_LOSSES, GeneratorLoss
from .optimizers import DEFAULT_LR, SCHEDULES, Schedule

__all__ = ["Settings"]

UPDATES = ("algorithm1", "released")


@dataclass(frozen=True)
class Settings:
    """Algorithm 1's settings, checked once; saved in every checkpoint and compared on resume.

    ``k`` steps of D per step of G on minibatches of m = ``batch_size``; G descends ``loss``;
    ``optimizer`` "sgd" (momentum 0.5, lr 0.05 unless given) or "adam" (β1 = 0.5, lr 2e-4);
    ``schedule="paper"`` is the original code's SGD schedule (lr from 0.1 unless given).
    ``g_lr`` is G's learning rate where it differs from D's (the paper uses one lr for both;
    two-timescale training, Heusel et al. 2017, gives G a smaller one); None: ``lr``.
    ``update="released"`` performs the paper's released code's update instead of Algorithm 1's
    box (:func:`~ganlib.algorithm1.released_iteration`: simultaneous steps from one shared
    minibatch, D descending ½(−V)); it has no k.
    """

    k: int = 1
    batch_size: int = 256
    loss: GeneratorLoss = "nonsaturating"
    lr: float | None = None
    optimizer: Literal["sgd", "adam"] = "sgd"
    schedule: Schedule = "constant"
    g_lr: float | None = None
    update: Literal["algorithm1", "released"] = "algorithm1"

    def __post_init__(self) -> None:
        if self.update not in UPDATES:
            raise ValueError(f"unknown update={self.update!r}; choose one of {UPDATES}")
        if self.update == "released" and self.k != 1:
            raise ValueError(
                f"update='released' steps D and G at once, one step each; got k={self.k!r} "
                "(k > 1 is Algorithm 1's, update='algorithm1')"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule={self.schedule!r}; choose one of {SCHEDULES}")
        if self.schedule == "paper" and self.optimizer != "sgd":
            raise ValueError(
                "schedule='paper' is the original code's SGD schedule; "
                f"got optimizer={self.optimizer!r}"
            )
        int_at_least("batch_size", self.batch_size, 1)
        int_at_least("k (discriminator steps per generator step)", self.k, 1)
        if self.loss not in GENERATOR_LOSSES:
            raise ValueError(f"unknown loss={self.loss!r}; choose one of {GENERATOR_LOSSES}")
        if self.optimizer not in DEFAULT_LR:
            raise ValueError(
                f"unknown optimizer={self.optimizer!r}; choose one of {tuple(DEFAULT_LR)}"
            )
        lr = self.lr
        if lr is None:  # the original code starts its schedule at 0.1
            lr = 0.1 if self.schedule == "paper" else DEFAULT_LR[self.optimizer]
        lr = positive_number("lr", lr)
        g_lr = lr if self.g_lr is None else positive_number("g_lr", self.g_lr)
        object.__setattr__(self, "lr", lr)
        object.__setattr__(self, "g_lr", g_lr)
