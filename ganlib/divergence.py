"""One policy for a loss that becomes inf or NaN, in training and in fitting D alone.

A single run stops with :class:`TrainingDiverged`, carrying every step up to the bad one. In a
population the members are independent (each reads only its own slice of every weight), so one
whose loss overflowed harms no other: it is put back to its parameters as of the last check,
held there, and its entries from the bad step on become NaN; the others go on. The host reads
the losses only at each check, never once per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

__all__ = ["CHECK_EVERY", "Guard", "TrainingDiverged"]

CHECK_EVERY = 100  # steps between two reads of the losses by the host


class TrainingDiverged(ValueError):
    """A loss became inf or NaN; ``.history`` holds every step up to the bad one."""

    def __init__(self, message: str, history: object) -> None:
        super().__init__(message)
        self.history = history


class Guard:
    """Watches ``stats`` (steps, len(names)) or (steps, len(names), N) for inf and NaN.

    ``report(stats, diverged)`` turns rows of ``stats`` into what :class:`TrainingDiverged`
    carries; ``diverged`` maps members already frozen (by a resumed run) to their step.
    """

    def __init__(
        self,
        stats: torch.Tensor,
        names: Sequence[str],
        params: Sequence[torch.Tensor],
        members: int | None,
        lr: float,
        report: Callable[[torch.Tensor, dict[int, int]], object],
        diverged: dict[int, int] | None = None,
    ) -> None:
        self.stats, self.names, self.params, self.members = stats, names, list(params), members
        self.report = report
        self.advice = f"Try a smaller lr (now {lr:g}; e.g. lr={lr / 10:g})."
        self.diverged: dict[int, int] = dict(diverged or {})
        self.checked_params = self._snapshot()  # every parameter as of the last check
        self.frozen = self._frozen_index()

    def _snapshot(self) -> list[torch.Tensor] | None:
        if self.members is None:
            return None
        return [p.detach().clone() for p in self.params]

    def _frozen_index(self) -> torch.Tensor | None:
        if not self.diverged:
            return None
        return torch.tensor(sorted(self.diverged), device=self.stats.device)

    def _restore(self, idx: torch.Tensor) -> None:
        with torch.no_grad():
            for p, kept in zip(self.params, self.checked_params, strict=True):
                p.index_copy_(0, idx, kept.index_select(0, idx))

    def hold(self) -> None:
        """After each step: frozen members back where they were frozen."""
        if self.frozen is not None:
            self._restore(self.frozen)

    def check(self, lo: int, hi: int) -> None:
        """Steps ``lo`` to ``hi`` (0-based, hi excluded): raise, or freeze the new bad members."""
        window = self.stats[lo:hi]
        if self.members is None:
            bad = (~torch.isfinite(window)).any(dim=1).nonzero()
            if len(bad):
                s = lo + int(bad[0])
                values = ", ".join(
                    f"{n}={v:.4g}" for n, v in zip(self.names, self.stats[s].tolist(), strict=True)
                )
                raise TrainingDiverged(
                    f"training diverged at step {s + 1} ({values}). {self.advice}",
                    self.report(self.stats[: s + 1], {}),
                )
            return
        bad_rows = (~torch.isfinite(window)).any(dim=1)  # (steps in the window, N)
        first_bad = bad_rows.float().argmax(dim=0).tolist()
        newly = [i for i in bad_rows.any(dim=0).nonzero()[:, 0].tolist() if i not in self.diverged]
        for i in newly:
            self.diverged[i] = lo + first_bad[i] + 1
        if newly:  # back to the last checked, finite, parameters
            self._restore(torch.tensor(newly, device=self.stats.device))
            self.frozen = self._frozen_index()
            if len(self.diverged) == self.members:
                raise TrainingDiverged(
                    "every member of the population diverged "
                    f"(member: step {self.diverged}). {self.advice}",
                    self.result(hi),
                )
        self.checked_params = self._snapshot()

    def result(self, steps: int) -> object:
        """The first ``steps`` rows, each diverged member's NaN from its step on, reported."""
        stats = self.stats[:steps].clone()
        for i, s in self.diverged.items():
            stats[s - 1 :, :, i] = math.nan
        return self.report(stats, self.diverged)
