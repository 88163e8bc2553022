"""Algorithm 1's minibatches of examples: "sample minibatch of m examples from p_data(x)"."""

from __future__ import annotations

import torch

from .distributions import GaussianMixture

__all__ = ["Minibatches"]


class Minibatches:
    """x^(1..m) ∼ p_data: fresh samples from a distribution, or shuffled passes over a tensor.

    For a population of N members (``members=N``) each member gets its own minibatches, drawn
    together as an ``(N, m, d)`` tensor (its own shuffled order of a tensor's examples).
    """

    def __init__(
        self,
        data: GaussianMixture | torch.Tensor,
        m: int,
        dim: int,
        device: torch.device,
        members: int | None = None,
    ):
        self.m, self.members = m, members
        if isinstance(data, GaussianMixture):
            if data.dim != dim:
                raise ValueError(
                    f"data has dimension {data.dim} but G and D work in dimension {dim}"
                )
            self.dist, self.examples = data.to(device), None
        elif isinstance(data, torch.Tensor):
            if data.ndim != 2 or data.shape[1] != dim:
                hint = " (for 1-D data use x[:, None])" if data.ndim == 1 and dim == 1 else ""
                raise ValueError(
                    f"data must be a tensor of shape (N, {dim}) to match G and D, "
                    f"got {tuple(data.shape)}{hint}"
                )
            if not data.is_floating_point() or not torch.isfinite(data).all():
                raise ValueError("data must hold finite floating-point numbers")
            if len(data) < m:
                raise ValueError(f"batch_size={m} is larger than the {len(data)} examples in data")
            self.dist, self.examples = None, data.to(device, torch.get_default_dtype())
            self.perm: torch.Tensor | None = None
            self.cursor = len(data)  # so the first batch starts a new shuffled pass
        else:
            raise ValueError(
                "data must be a ganlib distribution (sampled each step) or a tensor of examples "
                f"of shape (N, {dim}), got {type(data).__name__}"
            )

    def next(self) -> torch.Tensor:
        if self.dist is not None:
            if self.members is None:
                return self.dist.sample(self.m)
            return self.dist.sample(self.members * self.m).view(self.members, self.m, -1)
        n = len(self.examples)
        if self.cursor + self.m > n:
            device = self.examples.device
            if self.members is None:
                self.perm = torch.randperm(n, device=device)
            else:  # a uniformly random order per member
                self.perm = torch.rand(self.members, n, device=device).argsort(dim=1)
            self.cursor = 0
        idx = self.perm[..., self.cursor : self.cursor + self.m]
        self.cursor += self.m
        return self.examples[idx]

    def state_dict(self) -> dict:
        if self.dist is not None:
            return {}
        return {"perm": None if self.perm is None else self.perm.cpu(), "cursor": self.cursor}

    def load_state_dict(self, state: dict) -> None:
        if self.examples is not None and state:
            self.perm = None if state["perm"] is None else state["perm"].to(self.examples.device)
            self.cursor = state["cursor"]
