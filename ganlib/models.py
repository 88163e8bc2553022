"""The two players as multilayer perceptrons (Section 3: "both G and D are multilayer perceptrons").

With the right arguments they are the paper's MNIST networks (goodfeli/adversarial, mnist.yaml)::

    G = Generator(100, 784, hidden=(1200, 1200), noise="uniform", out_activation="sigmoid")
    D = Discriminator(784, hidden=(240, 240), maxout_pieces=5, dropout=0.5, input_dropout=0.2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn

from ._checks import int_at_least

__all__ = ["Discriminator", "Dropout", "Generator", "Maxout", "paper_networks"]

Noise = Literal["uniform", "gaussian"]
_NOISES = ("uniform", "gaussian")
_OUT_ACTIVATIONS = {None: nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def _sizes(hidden: Sequence[int]) -> tuple[int, ...]:
    if isinstance(hidden, int):
        hidden = (hidden,)
    return tuple(int_at_least("each hidden layer size", h, 1) for h in hidden)


def _check_input(x: torch.Tensor, dim: int, who: str, what: str) -> None:
    if not isinstance(x, torch.Tensor) or x.ndim != 2 or x.shape[1] != dim:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        hint = " (for 1-D data use x[:, None])" if dim == 1 else ""
        raise ValueError(f"{who} expects {what} of shape (n, {dim}), got {shape}{hint}")


class Maxout(nn.Module):
    """h_i(x) = max_j (x W_ij + b_ij): the max of ``pieces`` linear units (Goodfellow et al., 2013)."""

    def __init__(self, in_features: int, out_features: int, pieces: int) -> None:
        super().__init__()
        self.out_features, self.pieces = out_features, pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pieces = self.linear(x).view(*x.shape[:-1], self.out_features, self.pieces)
        # max's backward sends each unit's gradient to its largest piece by index, 2× faster
        # than amax's (which compares every piece with the maximum and splits exact ties).
        return pieces.max(-1).values


class Dropout(nn.Dropout):
    """h ⊙ m / (1 − p) with m_i ∼ Bernoulli(1 − p) in training, h in evaluation (Srivastava et al.)."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return h
        # The mask from uniform draws: torch's bernoulli_ draws 4× slower on the CPU (227 µs
        # against 56 µs for chapter 7's 3 × 100 × 64 units), a fifth of chapter 7's whole step.
        keep = (torch.rand_like(h) >= self.p).to(h.dtype)
        return h * keep.div_(1 - self.p)


def sample_prior(noise: Noise, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """z ∼ p_z(z): U(−√3, √3) or 𝒩(0, 1) in every entry of ``shape``, on ``like``'s device and dtype."""
    kw = {"device": like.device, "dtype": like.dtype}
    if noise == "uniform":
        return (torch.rand(shape, **kw) * 2 - 1) * math.sqrt(3.0)
    return torch.randn(shape, **kw)


class Generator(nn.Module):
    """x = G(z; θ_g) with z ∼ p_z(z): an MLP that owns its prior p_z (Section 3).

    ``noise="uniform"`` is U(−√3, √3)^latent_dim (unit variance, as in the original code);
    ``"gaussian"`` is 𝒩(0, I). Hidden layers use ReLU; ``out_activation`` is None, "sigmoid"
    (pixels in [0, 1], the paper's MNIST G) or "tanh".
    """

    def __init__(
        self,
        latent_dim: int,
        out_dim: int,
        hidden: Sequence[int] = (64, 64),
        noise: Noise = "uniform",
        out_activation: Literal["sigmoid", "tanh"] | None = None,
    ) -> None:
        super().__init__()
        self.latent_dim = int_at_least("latent_dim", latent_dim, 1)
        self.out_dim = int_at_least("out_dim", out_dim, 1)
        if noise not in _NOISES:
            raise ValueError(f"unknown noise={noise!r}; choose one of {_NOISES}")
        if out_activation not in _OUT_ACTIVATIONS:
            raise ValueError(
                f"unknown out_activation={out_activation!r}; choose one of {tuple(_OUT_ACTIVATIONS)}"
            )
        self.noise = noise
        layers: list[nn.Module] = []
        width = self.latent_dim
        for h in _sizes(hidden):
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers += [nn.Linear(width, self.out_dim), _OUT_ACTIVATIONS[out_activation]()]
        self.net = nn.Sequential(*layers)
        # A buffer only to know the module's device and dtype when sampling z.
        self.register_buffer("_anchor", torch.zeros(()), persistent=False)

    def sample_latent(self, n: int) -> torch.Tensor:
        """z ∼ p_z(z), shape ``(n, latent_dim)``, on the module's device."""
        return sample_prior(self.noise, (n, self.latent_dim), self._anchor)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        _check_input(z, self.latent_dim, "Generator", "latent codes z")
        return self.net(z)

    def sample(self, n: int) -> torch.Tensor:
        """x = G(z), z ∼ p_z: n samples from p_g, shape ``(n, out_dim)``."""
        return self(self.sample_latent(int_at_least("n", n, 0)))


class Discriminator(nn.Module):
    """D(x; θ_d) as a logit a, with D(x) = σ(a): the probability that x came from the data.

    Hidden units are maxout with ``maxout_pieces`` pieces (the paper's D) or, when None,
    LeakyReLU(0.2) (the DCGAN choice). ``dropout`` is the probability of
    dropping a hidden unit, ``input_dropout`` that of dropping an input (paper: 0.5 and 0.2).
    """

    def __init__(
        self,
        in_dim: int,
        hidden: Sequence[int] = (64, 64),
        maxout_pieces: int | None = None,
        dropout: float = 0.0,
        input_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.in_dim = int_at_least("in_dim", in_dim, 1)
        int_at_least("maxout_pieces", maxout_pieces, 2, or_none=True)
        for name, p in (("dropout", dropout), ("input_dropout", input_dropout)):
            if not 0.0 <= p < 1.0:
                raise ValueError(f"{name} is a drop probability in [0, 1), got {p!r}")
        layers: list[nn.Module] = [Dropout(input_dropout)] if input_dropout else []
        width = self.in_dim
        for h in _sizes(hidden):
            if maxout_pieces is None:
                layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            else:
                layers += [Maxout(width, h, maxout_pieces)]
            if dropout:
                layers += [Dropout(dropout)]
            width = h
        layers += [nn.Linear(width, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logit a(x), shape ``(n,)``; ``torch.sigmoid`` of it is D(x)."""
        _check_input(x, self.in_dim, "Discriminator", "samples x")
        return self.net(x)[:, 0]


def paper_networks(
    image_dim: int, *, g_width: int = 1200, d_width: int = 240, latent_dim: int = 100
) -> tuple[Generator, Discriminator]:
    """(G, D) of the paper's MNIST run (goodfeli/adversarial, mnist.yaml) for ``image_dim`` pixels.

    G: z ∼ U(−√3, √3)^100 → ``g_width`` ReLU → ``g_width`` ReLU → sigmoid pixels in [0, 1]
    (paper: 1200). D: maxout ``d_width`` × 5 pieces → maxout ``d_width`` × 5 → one logit (paper:
    240), keeping 0.8 of the inputs and 0.5 of the hidden units under dropout. Chapter 7 narrows
    both for 8×8 digits (256 and 64).
    """
    int_at_least("g_width", g_width, 1)
    int_at_least("d_width", d_width, 1)
    G = Generator(
        latent_dim, image_dim, hidden=(g_width, g_width), noise="uniform", out_activation="sigmoid"
    )
    D = Discriminator(
        image_dim, hidden=(d_width, d_width), maxout_pieces=5, dropout=0.5, input_dropout=0.2
    )
    return G, D
