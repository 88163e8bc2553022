"""Algorithm 1 of the paper: minibatch training of D and G, k steps of D per step of G.

:func:`iteration` is one pass of the algorithm's outer loop; :func:`train` runs it ``steps`` times
with its :class:`Settings`, keeps a :class:`History`, checkpoints and resumes, and reuses a
finished run from the run cache (:mod:`ganlib.run_cache`). Both players may be
ordinary models or :class:`~ganlib.population.Population` s of N members trained side by side.

Everything stays on the device: data, noise and the running history. The host reads the history
only every ``_SYNC_EVERY`` steps (to check for divergence and refresh the progress bar), never
once per step.
"""

from __future__ import annotations

import dataclasses
import math
import os
import pickle
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn
from tqdm.auto import tqdm

from .checkpoint import load_checkpoint, save_checkpoint
from .device import resolve_device
from .distributions import GaussianMixture
from .losses import GENERATOR_LOSSES, GeneratorLoss, g_cost, minus_v
from .minibatches import Minibatches
from .models import Discriminator, Generator
from .optimizers import (
    DEFAULT_LR,
    PAPER_EPOCH,
    SCHEDULES,
    Schedule,
    make_optimizer,
    paper_schedule,
    set_schedule,
)
from .population import Population
from .run_cache import cache_dir, fingerprint
from .runtime import check_seed, own_random_stream, rng_state, set_rng_state, threads_for

__all__ = [
    "History",
    "Settings",
    "TrainingDiverged",
    "descend",
    "discriminator_step",
    "fit_discriminator",
    "iteration",
    "paper_schedule",
    "train",
]

_SYNC_EVERY = 100
_BAR_SECONDS = 0.5  # the progress bar redraws at most twice a second: a notebook bar is a widget,
# and each redraw is a message to the browser; hundreds a second flooded the kernel.
_STATS = ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm")


def _int_at_least(name: str, v: object, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ValueError(f"{name} must be an int ≥ {low}, got {v!r}")
    return v


@dataclass(frozen=True)
class Settings:
    """What Algorithm 1 computes, checked once; saved in every checkpoint and compared on resume.

    ``k`` steps of D per step of G on minibatches of m = ``batch_size``; G descends ``loss``;
    ``optimizer`` "sgd" (momentum 0.5, lr 0.05 unless given) or "adam" (β1 = 0.5, lr 2e-4);
    ``schedule="paper"`` is the original code's SGD schedule (lr from 0.1 unless given).
    ``g_lr`` is G's learning rate where it differs from D's (the paper uses one lr for both;
    two-timescale training, Heusel et al. 2017, gives G a smaller one); None: ``lr``.
    """

    k: int = 1
    batch_size: int = 256
    loss: GeneratorLoss = "nonsaturating"
    lr: float | None = None
    optimizer: Literal["sgd", "adam"] = "sgd"
    schedule: Schedule = "constant"
    g_lr: float | None = None

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule={self.schedule!r}; choose one of {SCHEDULES}")
        if self.schedule == "paper" and self.optimizer != "sgd":
            raise ValueError(
                "schedule='paper' is the original code's SGD schedule; "
                f"got optimizer={self.optimizer!r}"
            )
        _int_at_least("batch_size", self.batch_size, 1)
        _int_at_least("k (discriminator steps per generator step)", self.k, 1)
        if self.loss not in GENERATOR_LOSSES:
            raise ValueError(f"unknown loss={self.loss!r}; choose one of {GENERATOR_LOSSES}")
        if self.optimizer not in DEFAULT_LR:
            raise ValueError(
                f"unknown optimizer={self.optimizer!r}; choose one of {tuple(DEFAULT_LR)}"
            )
        lr = self.lr
        if lr is None:  # the original code starts its schedule at 0.1
            lr = 0.1 if self.schedule == "paper" else DEFAULT_LR[self.optimizer]
        g_lr = lr if self.g_lr is None else self.g_lr
        for name, value in (("lr", lr), ("g_lr", g_lr)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (math.isfinite(value) and value > 0)
            ):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
        object.__setattr__(self, "lr", float(lr))
        object.__setattr__(self, "g_lr", float(g_lr))


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
    def _from_stats(cls, stats: torch.Tensor, diverged: dict[int, int] | None = None) -> History:
        # stats: (steps, 5) for one run, (steps, 5, N) for a population.
        stats = stats.detach().to("cpu", torch.float64)
        columns = (stats[:, i].movedim(0, -1).contiguous() for i in range(len(_STATS)))
        return cls(*columns, diverged=dict(diverged or {}))


class TrainingDiverged(ValueError):
    """A loss became inf or NaN; ``.history`` holds every step up to the bad one."""

    def __init__(self, message: str, history: History) -> None:
        super().__init__(message)
        self.history = history


def _clear_grads(opt: torch.optim.Optimizer) -> None:
    # zero_grad(set_to_none=True) without its per-call bookkeeping, which costs as much as the
    # whole step of a small model.
    for group in opt.param_groups:
        for p in group["params"]:
            p.grad = None


def descend(cost: torch.Tensor, opt: torch.optim.Optimizer) -> None:
    """One optimizer step on ``cost``: a scalar, or one cost per population member.

    A population's costs are summed: member i's parameters appear only in its own cost, so the
    gradient of the sum is each member's own gradient.
    """
    _clear_grads(opt)
    (cost if cost.ndim == 0 else cost.sum()).backward()
    opt.step()


def discriminator_step(
    D: nn.Module,
    opt_d: torch.optim.Optimizer,
    x: torch.Tensor,
    fake: torch.Tensor,
    two_passes: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One step of Algorithm 1's inner loop: ascend V, i.e. descend −V, on a real and a fake batch."""
    if two_passes:
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


def _grad_norm(opt: torch.optim.Optimizer, members: int | None) -> torch.Tensor:
    """‖∇‖ of the gradient the optimizer's parameters hold: one norm, or one per member."""
    grads = [p.grad for p in opt.param_groups[0]["params"] if p.grad is not None]
    if members is None:
        return torch.nn.utils.get_total_norm(grads)
    per_tensor = [torch.linalg.vector_norm(g.flatten(1), dim=1) for g in grads]  # (N,) each
    return torch.linalg.vector_norm(torch.stack(per_tensor), dim=0)


def iteration(
    G: nn.Module,
    D: nn.Module,
    batches: Minibatches,
    *,
    opt_d: torch.optim.Optimizer,
    opt_g: torch.optim.Optimizer,
    settings: Settings,
    two_passes: bool = False,
) -> torch.Tensor:
    """One iteration of Algorithm 1: k steps of D ascending V, then one step of G descending its cost.

    Returns the iteration's row of :class:`History` (d_loss, g_loss, d_real, d_fake, g_grad_norm),
    shape ``(5,)``, or ``(5, N)`` for populations of N.
    """
    m = settings.batch_size
    for _ in range(settings.k):
        with torch.no_grad():  # D's step must not move G
            fake = G(G.sample_latent(m))  # z^(1..m) ∼ p_z(z), then G(z)
        x = batches.next()  # x^(1..m) ∼ p_data(x)
        d_loss, real_logits, fake_logits = discriminator_step(D, opt_d, x, fake, two_passes)

    d_params = opt_d.param_groups[0]["params"]  # (a list: D.parameters() walks every layer)
    for p in d_params:  # G's step reads D's gradient w.r.t. x, never changes θ_d
        p.requires_grad_(False)
    g_loss = g_cost(D(G.sample(m)), settings.loss)  # fresh z^(1..m) ∼ p_z(z)
    descend(g_loss, opt_g)
    grad_norm = _grad_norm(opt_g, getattr(G, "size", None))  # (the step leaves .grad as it was)
    for p in d_params:
        p.requires_grad_(True)
    d_real, d_fake = real_logits.sigmoid().mean(-1), fake_logits.sigmoid().mean(-1)
    return torch.stack([d_loss, g_loss.detach(), d_real, d_fake, grad_norm])


def _finished_run(path: os.PathLike, key: str, steps: int) -> bool:
    """Whether ``path`` holds the finished run of fingerprint ``key`` (a damaged file: no)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except (OSError, RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError):
        return False  # absent, or truncated by a killed save: train again and replace it
    if not isinstance(state, dict):
        return False
    return state.get("fingerprint") == key and state.get("step") == steps


def _has_dropout(D: nn.Module) -> bool:
    return any(isinstance(m, nn.Dropout) and m.p > 0 for m in D.modules())


def _kind(model: object) -> str:
    if isinstance(model, Population):
        return f"a Population of {'Generators' if model.is_generator else 'Discriminators'}"
    return type(model).__name__


def _members(G: nn.Module | None, D: nn.Module) -> int | None:
    """The population size N shared by G and D, None for two ordinary models; else a clear error."""
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
    if g_pop != d_pop or (g_pop and len(G) != len(D)):
        sizes = (len(G) if g_pop else "one model", len(D) if d_pop else "one model")
        raise ValueError(f"G and D must be populations of one size, got {sizes[0]} and {sizes[1]}")
    if G.out_dim != D.in_dim:
        raise ValueError(
            f"G makes samples of dimension {G.out_dim} but D reads dimension {D.in_dim}"
        )
    return len(D) if d_pop else None


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
    a population; it falls towards −C(G). A single D whose loss overflows raises ValueError; in a
    population only that member's row turns NaN (from the step it diverged on: its parameters are
    no longer meaningful) and the others go on, unless every member diverged. D, and a generator
    given as ``p_g``, are moved to ``device`` (default: cuda → mps → cpu). With ``seed`` the run
    draws from its own seeded random stream and leaves the caller's as it was.
    """
    settings = Settings(batch_size=batch_size, lr=lr, optimizer=optimizer)
    steps = _int_at_least("steps", steps, 0)
    seed = check_seed(seed)
    G = p_g if isinstance(p_g, nn.Module) else None
    if isinstance(G, Generator) and isinstance(D, Population):
        members = _members(None, D)  # one generator, seen by every member
        if G.out_dim != D.in_dim:
            raise ValueError(
                f"G makes samples of dimension {G.out_dim} but D reads dimension {D.in_dim}"
            )
    else:
        members = _members(G, D)
    device = resolve_device(device)
    players = (D, G) if G is not None else (D,)
    with (
        own_random_stream(seed, device, fork=seed is not None),
        threads_for(device, batch_size, *players),
    ):
        return _fit_discriminator(
            D, p_data, G if G is not None else p_g, settings, steps, members, device
        )


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
    two_passes = _has_dropout(D)
    losses = torch.zeros(steps, *(() if members is None else (members,)), device=device)
    for step in range(steps):
        fake = fakes()  # (drawn before the real minibatch, as it always was)
        losses[step] = discriminator_step(D, opt_d, real.next(), fake, two_passes)[0]
    losses = losses.cpu().movedim(0, -1).contiguous()
    finite = torch.isfinite(losses)
    if finite.all():
        return losses
    advice = f"try a smaller lr (now {settings.lr:g}; e.g. lr={settings.lr / 10:g})"
    if members is None:
        step = int((~finite).nonzero()[0]) + 1
        raise ValueError(f"D's loss diverged at step {step}; {advice}")
    # A population goes on: members are independent (each reads only its own slice of every
    # weight), so one whose loss overflowed harms no other; its row is NaN from that step on.
    first_bad = torch.where(finite.all(-1), steps, (~finite).int().argmax(-1))
    if (first_bad < steps).all():
        raise ValueError(f"D's loss diverged for every member of the population; {advice}")
    after = torch.arange(steps) >= first_bad[:, None]
    return losses.masked_fill(after, float("nan"))


@torch.enable_grad()
def train(
    G: nn.Module,
    D: nn.Module,
    data: GaussianMixture | torch.Tensor,
    *,
    steps: int,
    k: int = 1,
    batch_size: int = 256,
    loss: GeneratorLoss = "nonsaturating",
    lr: float | None = None,
    optimizer: Literal["sgd", "adam"] = "sgd",
    schedule: Schedule = "constant",
    g_lr: float | None = None,
    seed: int | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    callback: Callable[[int, nn.Module, nn.Module], None] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    resume: str | os.PathLike | None = None,
    reuse: bool = False,
) -> History:
    """min_G max_D V(D, G) by alternating minibatch steps: Algorithm 1 (k = 1 in the paper).

    Each of ``steps`` iterations takes ``k`` gradient steps on D (ascending V on m = ``batch_size``
    data and generated samples) and then one on G (descending its ``loss``: ``"minimax"``,
    ``"nonsaturating"`` or ``"maximum_likelihood"``) with D frozen. ``data`` is a distribution or
    an ``(N, d)`` tensor. The optimizer is SGD with momentum 0.5 and a constant lr of 0.05 unless
    given, or Adam (β1 = 0.5 as in DCGAN, lr 2e-4 unless given). The paper says only "we used
    momentum"; its MNIST code started at momentum 0.5 (rising to 0.7) with lr 0.1 decayed each
    update. The constant 0.05 was measured on the book's 1-D Gaussians. ``schedule="paper"``
    (SGD only) runs that code's schedule instead: lr (default 0.1) divided by 1.000004 per step,
    momentum 0.5 → 0.7 from epoch 1 to 250 (an epoch is one pass over tensor data, or 50,000
    samples). ``g_lr`` gives G a learning rate of its own (default: ``lr``; with the paper's
    schedule, G's follows it in proportion). These settings are a :class:`Settings`, checked
    before anything runs.

    G and D are moved to ``device`` (default: cuda → mps → cpu) and trained in place. Given two
    :class:`~ganlib.population.Population` s of N, the N members train side by side, each on
    its own noise and minibatches; a member whose loss becomes inf or NaN is frozen at its last
    checked parameters and named in ``History.diverged``, and the others go on.
    ``seed`` runs training on its own random stream (``torch.manual_seed(seed)`` inside
    ``torch.random.fork_rng``): the same seed and models give the same parameters on one machine,
    and the caller's global random state is left as it was.
    On the CPU, small models (batch × parameters below 5 million) train on one intra-op thread,
    and the caller's thread setting is restored afterwards: a second thread gains nothing for
    them and makes them 4× slower when another process shares the CPU.
    ``callback(step, G, D)`` runs after every step. With ``checkpoint`` a file is written every
    ``checkpoint_every`` steps and at the end; ``resume`` continues from such a file up to
    ``steps`` in total, exactly as an uninterrupted run would have.
    With ``reuse=True`` (and a ``seed``) the finished run is kept in ganlib's run cache
    (:mod:`ganlib.run_cache`: ``$GANLIB_CACHE``, else ``~/.cache/ganlib``), and the same call
    again, with players built the same way, loads it instead of training: the same parameters
    and History, on this machine with this ganlib and torch. Players with hooks or layers from
    outside ganlib and torch.nn are refused (their code is not in the fingerprint).
    """
    settings = Settings(
        k=k,
        batch_size=batch_size,
        loss=loss,
        lr=lr,
        optimizer=optimizer,
        schedule=schedule,
        g_lr=g_lr,
    )
    steps = _int_at_least("steps", steps, 0)
    checkpoint_every = _int_at_least("checkpoint_every", checkpoint_every, 0)
    members = _members(G, D)
    seed = check_seed(seed)
    if not isinstance(reuse, bool):
        raise ValueError(f"reuse must be True or False, got {reuse!r}")
    if reuse:
        clashes = {"callback": callback, "checkpoint": checkpoint, "resume": resume}
        given = [name for name, v in clashes.items() if v is not None]
        if seed is None or given:
            why = f"it cannot be combined with {', '.join(given)}" if given else "seed is None"
            raise ValueError(
                "reuse=True replays a finished run, so it needs a seed and no callback, "
                f"checkpoint or resume; {why}"
            )
    device = resolve_device(device)
    run = _Run(
        G=G,
        D=D,
        data=data,
        settings=settings,
        members=members,
        device=device,
        progress=progress,
        callback=callback,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
    )
    with (
        own_random_stream(seed, device, fork=seed is not None or resume is not None),
        threads_for(device, batch_size, G, D),
    ):
        if reuse:
            return run.reused_or_trained(steps, seed)
        return run.to_step(steps, resume)


@dataclass
class _Run:
    """One call of :func:`train`: its players, settings and run options; ``to_step`` runs it."""

    G: nn.Module
    D: nn.Module
    data: GaussianMixture | torch.Tensor
    settings: Settings
    members: int | None
    device: torch.device
    progress: bool
    callback: Callable[[int, nn.Module, nn.Module], None] | None
    checkpoint: str | os.PathLike | None
    checkpoint_every: int
    cache_key: str | None = None  # the run's fingerprint when it goes to the run cache (reuse=True)

    def reused_or_trained(self, steps: int, seed: int) -> History:
        """The cached run of this fingerprint, loaded; else this run trained and then cached."""
        key = fingerprint(
            self.G, self.D, self.data, settings=self.settings, steps=steps, seed=seed,
            device=self.device,
        )  # fmt: skip
        path = cache_dir() / f"run-{key[:32]}.pt"
        if _finished_run(path, key, steps):
            try:
                return self.to_step(steps, resume=path)
            except FileNotFoundError:
                pass  # removed since it was checked (torch.load fails before any state loads)
        self.checkpoint, self.cache_key = path, key
        return self.to_step(steps, resume=None)

    def to_step(self, steps: int, resume) -> History:
        G, D, s = self.G, self.D, self.settings
        G.to(self.device).train()
        D.to(self.device).train()
        batches = Minibatches(self.data, s.batch_size, G.out_dim, self.device, self.members)
        opt_g = make_optimizer(s.optimizer, G.parameters(), s.g_lr, self.device)
        opt_d = make_optimizer(s.optimizer, D.parameters(), s.lr, self.device)
        self.batches, self.opt_g, self.opt_d = batches, opt_g, opt_d
        two_passes = _has_dropout(D)
        width = () if self.members is None else (self.members,)
        self.stats = torch.zeros(steps, len(_STATS), *width, device=self.device)
        self.diverged: dict[int, int] = {}
        start = 0
        if resume is not None:
            start = self._resume(resume, steps)
        self.params = [*G.parameters(), *D.parameters()]
        self.checked_params = self._snapshot()  # every parameter as of the last check
        self.frozen: torch.Tensor | None = self._frozen_index()

        checked = start
        bar = tqdm(
            total=steps,
            initial=start,
            disable=not self.progress,
            desc="Algorithm 1",
            unit="step",
            mininterval=_BAR_SECONDS,
        )
        epoch_size = PAPER_EPOCH if batches.examples is None else len(batches.examples)
        for step in range(start, steps):
            if s.schedule == "paper":
                set_schedule((opt_d,), *paper_schedule(step, s.lr, epoch_size, s.batch_size))
                set_schedule((opt_g,), *paper_schedule(step, s.g_lr, epoch_size, s.batch_size))
            self.stats[step] = iteration(
                G, D, batches, opt_d=opt_d, opt_g=opt_g, settings=s, two_passes=two_passes
            )
            if self.frozen is not None:
                self._hold_frozen()
            done = step + 1
            bar.update(1)
            save = self.checkpoint is not None and (
                done == steps or (self.checkpoint_every and done % self.checkpoint_every == 0)
            )
            if done - checked >= _SYNC_EVERY or done == steps or save:
                self._check(checked, done)  # never save a diverged state
                checked = done
                bar.set_postfix(self._postfix(step), refresh=False)
            if self.callback is not None:
                self.callback(done, G, D)
            if save:
                self._save(done)
        bar.close()
        if self.checkpoint is not None and start == steps:
            self._save(steps)
        return self._history(steps)

    # -- divergence: a single run stops; a population freezes the member and goes on ----------
    def _snapshot(self) -> list[torch.Tensor] | None:
        if self.members is None:
            return None
        return [p.detach().clone() for p in self.params]

    def _frozen_index(self) -> torch.Tensor | None:
        if not self.diverged:
            return None
        return torch.tensor(sorted(self.diverged), device=self.device)

    def _hold_frozen(self) -> None:
        with torch.no_grad():
            for p, kept in zip(self.params, self.checked_params, strict=True):
                p.index_copy_(0, self.frozen, kept.index_select(0, self.frozen))

    def _check(self, lo: int, hi: int) -> None:
        window = self.stats[lo:hi]
        if self.members is None:
            bad = (~torch.isfinite(window)).any(dim=1).nonzero()
            if len(bad):
                s = lo + int(bad[0])
                values = ", ".join(
                    f"{n}={v:.4g}" for n, v in zip(_STATS, self.stats[s].tolist(), strict=True)
                )
                raise TrainingDiverged(
                    f"training diverged at step {s + 1} ({values}). "
                    f"Try a smaller lr (now {self.settings.lr:g}; e.g. lr={self.settings.lr / 10:g}).",
                    History._from_stats(self.stats[: s + 1]),
                )
            return
        bad_rows = (~torch.isfinite(window)).any(dim=1)  # (steps in the window, N)
        first_bad = bad_rows.float().argmax(dim=0).tolist()
        newly = [i for i in bad_rows.any(dim=0).nonzero()[:, 0].tolist() if i not in self.diverged]
        for i in newly:
            self.diverged[i] = lo + first_bad[i] + 1
        if newly:
            with torch.no_grad():  # back to the last checked, finite, parameters
                idx = torch.tensor(newly, device=self.device)
                for p, kept in zip(self.params, self.checked_params, strict=True):
                    p.index_copy_(0, idx, kept.index_select(0, idx))
            self.frozen = self._frozen_index()
            if len(self.diverged) == self.members:
                raise TrainingDiverged(
                    f"every member of the population diverged (member: step {self.diverged}). "
                    f"Try a smaller lr (now {self.settings.lr:g}; e.g. lr={self.settings.lr / 10:g}).",
                    self._history(hi),
                )
        self.checked_params = self._snapshot()

    def _postfix(self, step: int) -> dict:
        row = self.stats[step]
        if self.members is None:
            return {"d_loss": f"{row[0]:.3f}", "g_loss": f"{row[1]:.3f}"}
        return {"frozen": len(self.diverged)} if self.diverged else {}

    def _history(self, steps: int) -> History:
        stats = self.stats[:steps].clone()
        for i, s in self.diverged.items():
            stats[s - 1 :, :, i] = math.nan
        return History._from_stats(stats, self.diverged)

    # -- checkpoints ---------------------------------------------------------------------------
    def _save(self, step: int) -> None:
        extra = {
            "config": dataclasses.asdict(self.settings),
            "history": self.stats[:step].cpu(),
            "batches": self.batches.state_dict(),
            "rng": rng_state(),
            "diverged": dict(self.diverged),
        }
        if self.cache_key is not None:
            extra["fingerprint"] = self.cache_key
        try:
            save_checkpoint(self.checkpoint, self.G, self.D, step=step, opt_g=self.opt_g,
                            opt_d=self.opt_d, extra=extra)  # fmt: skip
        except (OSError, RuntimeError) as err:  # (a full disk: torch.save's RuntimeError)
            if self.cache_key is None:
                raise  # a checkpoint the caller asked for
            # A cache that cannot be written costs the next call a run, not this one's result.
            warnings.warn(f"train(reuse=True) could not keep the run: {err}", stacklevel=4)

    def _resume(self, path, steps: int) -> int:
        state = load_checkpoint(
            path, self.G, self.D, opt_g=self.opt_g, opt_d=self.opt_d, map_location=self.device
        )
        saved = {"schedule": "constant", **state["config"]}  # files from before schedules
        saved.setdefault("g_lr", saved.get("lr"))  # files from before G had an lr of its own
        now = dataclasses.asdict(self.settings)
        changed = {key: (saved.get(key), v) for key, v in now.items() if saved.get(key) != v}
        if changed:
            raise ValueError(f"cannot resume {path} with other settings (saved, now): {changed}")
        start = state["step"]
        if start > steps:
            raise ValueError(f"{path} is already at step {start}, past steps={steps}")
        history = state["history"].to(self.device)
        if history.shape[1:] != self.stats.shape[1:]:
            raise ValueError(
                f"{path} holds a history of shape {tuple(history.shape)}, not a run "
                f"of these players"
            )
        self.stats[:start] = history
        self.batches.load_state_dict(state["batches"])
        self.diverged = {int(i): int(s) for i, s in state.get("diverged", {}).items()}
        set_rng_state(state["rng"])
        return start
