"""N independent players in one module: the same network N times, weights stacked on a new axis.

The book's networks are small, so one of them trained alone spends its time on per-call overhead,
not arithmetic. Stacking N of them turns each layer's N small matrix products into one batched
product (``torch.baddbmm``), and N runs cost a fraction of N runs one after another (a sixth for
the toy GANs, under half for chapter 6's: benchmarks/RESULTS.md). Nothing is shared: member i
reads only its own slice of every weight, so its gradient is its own, and Adam or SGD (which act
element by element) on the stacked parameters are exactly N separate optimizers.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from ._checks import int_at_least, int_below
from .models import Discriminator, Generator, sample_prior

__all__ = ["Population", "population", "shared_size"]

# Layers without parameters act on each element or each row alone, so they work unchanged on a
# stacked (N, n, features) input; Dropout draws an independent mask for every member.
_ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Identity, nn.Dropout)


class StackedLinear(nn.Module):
    """y_i = x_i W_iᵀ + b_i for members i = 1..N at once: ``weight`` (N, in, out), ``bias`` (N, 1, out)."""

    def __init__(self, linears: Sequence[nn.Linear]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.stack([lin.weight.detach().T for lin in linears]))
        self.bias = nn.Parameter(torch.stack([lin.bias.detach() for lin in linears])[:, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight.shape[-1] == 1:
            # One output (D's logit, a 1-D G's sample): one dot product per row. A batched
            # product this skinny is 2× slower, forward and backward, on the CPU (measured).
            return torch.linalg.vecdot(x, self.weight.mT).unsqueeze(-1) + self.bias
        return torch.baddbmm(self.bias, x, self.weight)


def _stack(nets: Sequence[nn.Module]) -> nn.Module:
    """One network whose every Linear is the StackedLinear of the members' Linears."""
    stacked = copy.deepcopy(nets[0])  # (deepcopy draws no random numbers)
    paths = [name for name, m in stacked.named_modules() if isinstance(m, nn.Linear)]
    for name, m in stacked.named_modules():
        if isinstance(m, nn.Linear):
            continue
        own = list(m.parameters(recurse=False)) + list(m.buffers(recurse=False))
        if own or not (isinstance(m, _ELEMENTWISE) or len(list(m.children()))):
            raise ValueError(
                f"cannot stack layer {name or 'net'} ({type(m).__name__}): a population stacks "
                "Linear layers and parameter-free elementwise ones "
                f"({', '.join(t.__name__ for t in _ELEMENTWISE)})"
            )
    for path in paths:
        parent_path, _, leaf = path.rpartition(".")
        parent = stacked.get_submodule(parent_path)
        setattr(parent, leaf, StackedLinear([n.get_submodule(path) for n in nets]))
    return stacked


class Population(nn.Module):
    """N independent copies of one player (a ganlib Generator or Discriminator), trained together.

    Member i starts as exactly ``members[i]``. A generator population maps z of shape
    ``(N, n, latent_dim)`` to samples ``(N, n, out_dim)``; a discriminator population maps x of
    shape ``(N, n, in_dim)`` to logits ``(N, n)``. Given ``(n, features)`` instead, every member
    reads the same rows (to evaluate all of them on one grid). ``member(i)`` returns member i as
    an ordinary model.
    """

    def __init__(self, members: Sequence[Generator] | Sequence[Discriminator]) -> None:
        super().__init__()
        members = list(members)
        if not members:
            raise ValueError("a population needs at least one member, got none")
        kinds = {type(m) for m in members}
        if len(kinds) != 1 or not issubclass(kinds.pop(), Generator | Discriminator):
            raise ValueError(
                "members must all be ganlib Generators or all Discriminators, got "
                f"{sorted({type(m).__name__ for m in members})}"
            )
        first = members[0]
        shapes = [[tuple(p.shape) for p in m.parameters()] for m in members]
        described = [repr(m) for m in members]
        if any(s != shapes[0] for s in shapes) or any(d != described[0] for d in described):
            bad = next(
                i
                for i, (s, d) in enumerate(zip(shapes, described, strict=True))
                if s != shapes[0] or d != described[0]
            )
            raise ValueError(f"member {bad} is not built like member 0:\n{described[bad]}")
        self.size = len(members)
        self.is_generator = isinstance(first, Generator)
        if self.is_generator:
            self.latent_dim, self.out_dim, self.noise = first.latent_dim, first.out_dim, first.noise
        else:
            self.in_dim = first.in_dim
        self.net = _stack([m.net for m in members])
        dtype = next(first.parameters()).dtype
        self.register_buffer("_anchor", torch.zeros((), dtype=dtype), persistent=False)
        # Kept outside the module tree (a list), so it is neither a parameter nor moved.
        self._template = [copy.deepcopy(first).cpu()]

    def __len__(self) -> int:
        return self.size

    def _rows(self, x: torch.Tensor, dim: int, what: str) -> torch.Tensor:
        if isinstance(x, torch.Tensor) and x.ndim == 2 and x.shape[1] == dim:
            return x.expand(self.size, *x.shape)
        if not (isinstance(x, torch.Tensor) and x.ndim == 3 and x.shape[::2] == (self.size, dim)):
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(
                f"a population of {self.size} expects {what} of shape ({self.size}, n, {dim}) "
                f"or (n, {dim}), got {shape}"
            )
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.is_generator:
            return self.net(self._rows(x, self.latent_dim, "latent codes z"))
        return self.net(self._rows(x, self.in_dim, "samples x"))[..., 0]

    def sample_latent(self, n: int) -> torch.Tensor:
        """z ∼ p_z(z) for every member: shape ``(N, n, latent_dim)``, each row drawn afresh."""
        if not self.is_generator:
            raise ValueError("only a generator population has a prior p_z")
        return sample_prior(self.noise, (self.size, n, self.latent_dim), self._anchor)

    def sample(self, n: int) -> torch.Tensor:
        """x = G(z), z ∼ p_z: n samples from each member's p_g, shape ``(N, n, out_dim)``."""
        return self(self.sample_latent(int_at_least("n", n, 0)))

    def member(self, i: int) -> Generator | Discriminator:
        """Member i as an ordinary ganlib model (a copy, on the population's device)."""
        int_below("member index", i, -self.size, self.size, f"an int in [0, {self.size})")
        model = copy.deepcopy(self._template[0]).to(self._anchor.device)
        linears = [m for m in model.net.modules() if isinstance(m, nn.Linear)]
        stacked = [m for m in self.net.modules() if isinstance(m, StackedLinear)]
        with torch.no_grad():
            for lin, st in zip(linears, stacked, strict=True):
                lin.weight.copy_(st.weight[i].T)
                lin.bias.copy_(st.bias[i, 0])
        return model.train(self.training)

    def members(self) -> list[Generator] | list[Discriminator]:
        """Every member as an ordinary model: ``[member(0), ..., member(N - 1)]``."""
        return [self.member(i) for i in range(self.size)]


def population(
    build: Callable[[], nn.Module | tuple[nn.Module, ...]], seeds: Iterable[int]
) -> Population | tuple[Population, ...]:
    """Stack ``build()`` run after ``torch.manual_seed(s)`` for each s in ``seeds``.

    Member i is exactly what a single run builds with seed ``seeds[i]``. ``build`` returns one
    model or a tuple (e.g. ``(G, D)``), and so does this, each a :class:`Population`. The caller's
    random state is left as it was.
    """
    seeds = list(seeds)
    for s in seeds:
        int_at_least("each seed", s, 0)
    if not seeds:
        raise ValueError("a population needs at least one seed, got none")
    built = []
    with torch.random.fork_rng(devices=[]):
        for s in seeds:
            torch.manual_seed(s)
            built.append(build())
    if isinstance(built[0], tuple):
        return tuple(Population(list(players)) for players in zip(*built, strict=True))
    return Population(built)


def _kind(model: object) -> str:
    if isinstance(model, Population):
        return f"a Population of {'Generators' if model.is_generator else 'Discriminators'}"
    return type(model).__name__


def shared_size(G: nn.Module | None, D: nn.Module, *, one_generator: bool = False) -> int | None:
    """The population size N shared by G and D, None for two ordinary models; else a clear error.

    ``G=None`` checks D alone; ``one_generator=True`` also accepts one Generator that every
    member of a population D plays against.
    """
    d_pop = isinstance(D, Population)
    if not (isinstance(D, Discriminator) or (d_pop and not D.is_generator)):
        raise ValueError(
            f"D must be a ganlib Discriminator or a Population of them, got {_kind(D)}"
        )
    if G is None:
        return len(D) if d_pop else None
    g_pop = isinstance(G, Population)
    if not (isinstance(G, Generator) or (g_pop and G.is_generator)):
        raise ValueError(f"G must be a ganlib Generator or a Population of them, got {_kind(G)}")
    if (g_pop != d_pop and not (one_generator and d_pop)) or (g_pop and len(G) != len(D)):
        sizes = (len(G) if g_pop else "one model", len(D) if d_pop else "one model")
        raise ValueError(f"G and D must be populations of one size, got {sizes[0]} and {sizes[1]}")
    if G.out_dim != D.in_dim:
        raise ValueError(
            f"G makes samples of dimension {G.out_dim} but D reads dimension {D.in_dim}"
        )
    return len(D) if d_pop else None
