"""Algorithm 1 of the paper: minibatch training of D and G, k steps of D per step of G.

:func:`iteration` is one pass of the algorithm's outer loop, :func:`discriminator_step` one pass
of its inner loop, and :func:`fit_discriminator` the inner loop alone (D against a fixed G).
:func:`released_iteration` is the update the paper's released code performs instead.
:func:`ganlib.train` (:mod:`ganlib.training`) runs the outer loop. Both players may be ordinary
models or :class:`~ganlib.populations.Population` s of N members trained side by side.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Literal, NamedTuple, Protocol

import torch
from torch import nn

from ._checks import int_at_least
from .device import resolve_device
from .distributions import GaussianMixture
from .divergence import CHECK_EVERY, Guard
from .losses import g_cost, minus_v
from .minibatches import Minibatches
from .optimizers import make_optimizer
from .populations import Population, shared_size
from .runtime import own_random_stream, threads_for
from .settings import Settings

__all__ = [
    "Iteration",
    "descend",
    "discriminator_step",
    "fit_discriminator",
    "iteration",
    "released_iteration",
]


class Examples(Protocol):
    def next(self) -> torch.Tensor: ...


class Iteration(NamedTuple):
    """What one iteration computed: −V and D's logits on its last minibatch, and G's cost.

    Scalars and ``(m,)`` logits for one model; one entry per member, ``(N,)`` and ``(N, m)``,
    for a population of N.
    """

    d_loss: torch.Tensor
    real_logits: torch.Tensor
    fake_logits: torch.Tensor
    g_loss: torch.Tensor


def _clear_grads(opt: torch.optim.Optimizer) -> None:
    # zero_grad(set_to_none=True) without its per-call bookkeeping, which costs as much as the
    # whole step of a small model.
    for group in opt.param_groups:
        for p in group["params"]:
            p.grad = None


def descend(cost: torch.Tensor, opt: torch.optim.Optimizer) -> None:
    """θ ← θ − lr·∇θ cost (one optimizer step), for a scalar or one cost per population member.

    A population's costs are summed: member i's parameters appear only in its own cost, so the
    gradient of the sum is each member's own gradient.
    """
    _clear_grads(opt)
    (cost if cost.ndim == 0 else cost.sum()).backward()
    opt.step()


def _has_dropout(D: nn.Module) -> bool:
    return any(isinstance(m, nn.Dropout) and m.p > 0 for m in D.modules())


def discriminator_step(
    D: nn.Module, opt_d: torch.optim.Optimizer, x: torch.Tensor, fake: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One step of Algorithm 1's inner loop: ascend V, i.e. descend −V, on a real and a fake batch.

    Returns −V and the two batches' logits, detached.
    """
    if _has_dropout(D):
        # Two passes, real then fake, as chapters 7-8 measured their seeds with: one pass would
        # be just as valid but would draw the dropout masks in another order.
        real_logits, fake_logits = D(x), D(fake)
    else:
        # One pass over both batches: D scores each row on its own (no batch statistics), so
        # this is the same V as two passes, with half the kernel launches (benchmarks/RESULTS.md).
        m = x.shape[-2]  # the rows' axis, after a population's member axis
        real_logits, fake_logits = D(torch.cat((x, fake), -2)).split((m, fake.shape[-2]), -1)
    d_loss = minus_v(real_logits, fake_logits)  # −V on the minibatch (per member)
    descend(d_loss, opt_d)
    return d_loss.detach(), real_logits.detach(), fake_logits.detach()


@contextlib.contextmanager
def frozen(params: Sequence[torch.Tensor]) -> Iterator[None]:
    """θ held fixed: no gradient reaches ``params`` inside the block."""
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def iteration(
    G: nn.Module,
    D: nn.Module,
    batches: Examples,
    *,
    opt_d: torch.optim.Optimizer,
    opt_g: torch.optim.Optimizer,
    settings: Settings,
) -> Iteration:
    """One iteration of Algorithm 1: k steps of D ascending V, then one step of G descending its cost."""
    m = settings.batch_size
    for _ in range(settings.k):
        with torch.no_grad():  # D's step must not move G
            fake = G(G.sample_latent(m))  # z^(1..m) ∼ p_z(z), then G(z)
        x = batches.next()  # x^(1..m) ∼ p_data(x)
        d_loss, real_logits, fake_logits = discriminator_step(D, opt_d, x, fake)
    with frozen(opt_d.param_groups[0]["params"]):  # G's step reads ∇ₓD, never changes θ_d
        g_loss = g_cost(D(G.sample(m)), settings.loss)  # fresh z^(1..m) ∼ p_z(z)
        descend(g_loss, opt_g)
    return Iteration(d_loss, real_logits, fake_logits, g_loss.detach())


def released_iteration(
    G: nn.Module,
    D: nn.Module,
    batches: Examples,
    *,
    opt_d: torch.optim.Optimizer,
    opt_g: torch.optim.Optimizer,
    settings: Settings,
) -> Iteration:
    """One update of the paper's released code (goodfeli/adversarial, ``AdversaryCost2``): D
    descends ½(−V) and G its cost, both from one minibatch, at once.

    Unlike the box of Algorithm 1: one minibatch of x and of z serves both players; G's gradient
    goes through the same pass of D over G(z) as D's (the same dropout masks); both gradients
    are taken at the current parameters and both optimizers step together (simultaneous, not
    alternating); D's cost is half of −V, as pylearn2's ½(BCE_real + BCE_fake). k is 1.
    """
    m = settings.batch_size
    x = batches.next()  # x^(1..m) ∼ p_data(x)
    fake = G(G.sample_latent(m))  # z^(1..m) ∼ p_z(z), then G(z): one batch for both players
    real_logits, fake_logits = D(x), D(fake)  # each pass draws its own dropout masks
    d_loss = minus_v(real_logits, fake_logits)
    g_loss = g_cost(fake_logits, settings.loss)  # through D's pass over G(z), masks included
    d_params = [p for group in opt_d.param_groups for p in group["params"]]
    g_params = [p for group in opt_g.param_groups for p in group["params"]]
    d_grads = torch.autograd.grad((0.5 * d_loss).sum(), d_params, retain_graph=True)
    g_grads = torch.autograd.grad(g_loss.sum(), g_params)
    for params, grads in ((d_params, d_grads), (g_params, g_grads)):
        for p, grad in zip(params, grads, strict=True):
            p.grad = grad
    opt_d.step()
    opt_g.step()
    return Iteration(d_loss.detach(), real_logits.detach(), fake_logits.detach(), g_loss.detach())


@torch.enable_grad()  # training works even when called inside a torch.no_grad() block
def fit_discriminator(
    D: nn.Module,
    p_data: GaussianMixture | torch.Tensor,
    p_g: GaussianMixture | torch.Tensor | nn.Module,
    *,
    steps: int,
    batch_size: int = 256,
    lr: float | None = None,
    optimizer: Literal["sgd", "adam"] = "sgd",
    seed: int | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """max_D V(D, G) for a fixed G: Algorithm 1's inner loop alone, approaching D*_G (Prop. 1).

    ``p_g`` is a distribution, a tensor of samples or a frozen ``Generator`` (for a population
    D: a population G of the same size, or one Generator that every member learns against).
    Returns −V on each step's minibatch, a CPU tensor of shape ``(steps,)``, or ``(N, steps)`` for
    a population; it falls towards −C(G). A loss that becomes inf or NaN is handled as in
    :func:`ganlib.train` (:mod:`ganlib.divergence`): a single D raises
    :class:`~ganlib.divergence.TrainingDiverged` (its ``.history``: the losses up to that step);
    in a population only that member is frozen and its row turns NaN from that step on, unless
    every member diverged. D, and a generator given as ``p_g``, are moved to ``device`` (default:
    cuda → mps → cpu). With ``seed`` the run draws from its own seeded random stream and leaves
    the caller's as it was.
    """
    settings = Settings(batch_size=batch_size, lr=lr, optimizer=optimizer)
    steps = int_at_least("steps", steps, 0)
    seed = int_at_least("seed", seed, 0, or_none=True)
    G = p_g if isinstance(p_g, nn.Module) else None
    members = shared_size(G, D, one_generator=True)
    device = resolve_device(device)
    players = (D, G) if G is not None else (D,)
    with (
        own_random_stream(seed, device, fork=seed is not None),
        threads_for(device, batch_size, *players),
    ):
        return _fit_discriminator(D, p_data, p_g, settings, steps, members, device)


def _fit_discriminator(D, p_data, p_g, settings, steps, members, device) -> torch.Tensor:
    D.to(device).train()
    m = settings.batch_size
    real = Minibatches(p_data, m, D.in_dim, device, members)
    if isinstance(p_g, nn.Module):
        G = p_g.to(device)
        one_g = members is not None and not isinstance(G, Population)

        def fakes() -> torch.Tensor:
            with torch.no_grad():
                if one_g:
                    return G(G.sample_latent(members * m)).view(members, m, -1)
                return G(G.sample_latent(m))
    else:
        fakes = Minibatches(p_g, m, D.in_dim, device, members).next
    opt_d = make_optimizer(settings.optimizer, D.parameters(), settings.lr, device)
    losses = torch.zeros(steps, 1, *(() if members is None else (members,)), device=device)
    guard = Guard(
        losses,
        ("d_loss",),
        list(D.parameters()),
        members,
        settings.lr,
        report=lambda rows, _: rows[:, 0].cpu().movedim(0, -1).contiguous(),
    )
    checked = 0
    for step in range(steps):
        fake = fakes()  # G's samples are drawn before the real minibatch
        losses[step, 0] = discriminator_step(D, opt_d, real.next(), fake)[0]
        guard.hold()
        if step + 1 - checked >= CHECK_EVERY or step + 1 == steps:
            guard.check(checked, step + 1)
            checked = step + 1
    return guard.result(steps)
