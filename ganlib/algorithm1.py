"""Algorithm 1 of the paper: minibatch training of D and G, k steps of D per step of G.

Everything stays on the device: data, noise and the running history. The host reads the
history only every ``_SYNC_EVERY`` steps (to check for divergence and refresh the progress bar),
never once per step.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Literal

import torch
from torch import nn
from tqdm.auto import tqdm

from .checkpoint import load_checkpoint, save_checkpoint
from .device import resolve_device
from .distributions import GaussianMixture
from .losses import GENERATOR_LOSSES, GeneratorLoss, discriminator_loss, generator_loss

__all__ = ["History", "TrainingDiverged", "fit_discriminator", "paper_schedule", "train"]

_SYNC_EVERY = 100
# The default learning rate of each optimizer, constant: measured to learn the 1-D Gaussians of
# the book (README). The original code's lr 0.1 with decay and momentum 0.5 → 0.7 was tuned
# for MNIST over hundreds of epochs; over a few thousand steps its decay would barely act.
_DEFAULT_LR = {"sgd": 0.05, "adam": 2e-4}


@dataclass
class History:
    """What Algorithm 1 did, one entry per generator step (CPU tensors of shape ``(steps,)``).

    ``d_loss`` is −V on D's last minibatch, ``g_loss`` G's cost, ``d_real`` and ``d_fake`` the mean
    of D(x) on real and of D(G(z)) on generated samples, ``g_grad_norm`` the norm of the gradient
    that G's step received. At the equilibrium p_g = p_data: d_loss → log 4 ≈ 1.386,
    d_real = d_fake → ½.
    """

    d_loss: torch.Tensor
    g_loss: torch.Tensor
    d_real: torch.Tensor
    d_fake: torch.Tensor
    g_grad_norm: torch.Tensor

    def __len__(self) -> int:
        return len(self.d_loss)

    @classmethod
    def _from_stats(cls, stats: torch.Tensor) -> History:
        stats = stats.detach().to("cpu", torch.float64)
        return cls(*(stats[:, i] for i in range(len(fields(cls)))))


class TrainingDiverged(ValueError):
    """A loss became inf or NaN; ``.history`` holds every step up to the bad one."""

    def __init__(self, message: str, history: History) -> None:
        super().__init__(message)
        self.history = history


def _int_at_least(name: str, v: object, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ValueError(f"{name} must be an int ≥ {low}, got {v!r}")
    return v


class _Minibatches:
    """x^(1..m) ∼ p_data: fresh samples from a distribution, or shuffled passes over a tensor."""

    def __init__(
        self, data: GaussianMixture | torch.Tensor, m: int, dim: int, device: torch.device
    ):
        self.m = m
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
            return self.dist.sample(self.m)
        if self.cursor + self.m > len(self.examples):
            self.perm = torch.randperm(len(self.examples), device=self.examples.device)
            self.cursor = 0
        idx = self.perm[self.cursor : self.cursor + self.m]
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


def _rng_state() -> dict:
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@contextlib.contextmanager
def _own_random_stream(seed: int | None, device: torch.device, fork: bool) -> Iterator[None]:
    """Run training on its own random stream: torch.manual_seed(seed) inside fork_rng.

    The caller's global random state (CPU and the training device) is restored afterwards, so
    ``seed=`` makes a run reproducible without reseeding anything the caller draws next.
    """
    if not fork:
        yield
        return
    accelerators = [] if device.type == "cpu" else [device.index or 0]
    # device_type only matters when an accelerator is forked; the CPU state always is.
    with torch.random.fork_rng(
        devices=accelerators, device_type=device.type if accelerators else "cuda"
    ):
        if seed is not None:
            torch.manual_seed(seed)
        yield


# Below this much work per step (batch size × parameters, about the multiply-adds of one pass), a
# second intra-op thread buys nothing on an idle CPU and costs 4× when another process shares it
# (benchmarks/RESULTS.md): such models train on one thread. One or two threads give bit-identical
# results for the book's models, so this changes only the speed.
_ONE_THREAD_BELOW = 5_000_000


@contextlib.contextmanager
def _threads_for(device: torch.device, batch_size: int, *modules: nn.Module) -> Iterator[None]:
    """One intra-op CPU thread for small models while they train; the caller's setting after."""
    work = batch_size * sum(p.numel() for m in modules for p in m.parameters())
    before = torch.get_num_threads()
    if device.type != "cpu" or work >= _ONE_THREAD_BELOW or before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _check_seed(seed: object) -> int | None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed must be None or an int ≥ 0, got {seed!r}")
    return seed


def _optimizer(kind: str, params, lr: float, device: torch.device) -> torch.optim.Optimizer:
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
_PAPER_EPOCH = 50_000  # examples per epoch when data is a distribution: MNIST's training set
SCHEDULES = ("constant", "paper")
Schedule = Literal["constant", "paper"]


def paper_schedule(step: int, lr: float, epoch_size: int, batch_size: int) -> tuple[float, float]:
    """(lr, momentum) at a step of the paper's MNIST run: lr/1.000004^step, momentum 0.5 → 0.7.

    lr falls by a factor 1.000004 per update (floor 1e-6); momentum rises linearly from 0.5
    after the first epoch to 0.7 at epoch 250 and stays there (mnist.yaml's MomentumAdjustor).
    """
    epoch = step * batch_size / epoch_size
    ramp = min(max(epoch - 1, 0.0) / (_PAPER_RAMP_EPOCHS - 1), 1.0)
    lo, hi = _PAPER_MOMENTUM
    return max(lr / _PAPER_LR_DECAY**step, _PAPER_LR_FLOOR), lo + (hi - lo) * ramp


def _set_schedule(opts: tuple[torch.optim.Optimizer, ...], lr: float, momentum: float) -> None:
    for opt in opts:
        for group in opt.param_groups:
            group["lr"], group["momentum"] = lr, momentum


def _discriminator_step(
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
        real_logits, fake_logits = D(torch.cat((x, fake))).split((len(x), len(fake)))
    d_loss = discriminator_loss(real_logits, fake_logits)
    _clear_grads(opt_d)
    d_loss.backward()
    opt_d.step()
    return d_loss.detach(), real_logits.detach(), fake_logits.detach()


def _has_dropout(D: nn.Module) -> bool:
    return any(isinstance(m, nn.Dropout) and m.p > 0 for m in D.modules())


def _clear_grads(opt: torch.optim.Optimizer) -> None:
    # zero_grad(set_to_none=True) without its per-call bookkeeping, which costs as much as the
    # whole step of a small model.
    for group in opt.param_groups:
        for p in group["params"]:
            p.grad = None


def _check_settings(steps: int, batch_size: int, optimizer: str, lr: float | None) -> float:
    _int_at_least("steps", steps, 0)
    _int_at_least("batch_size", batch_size, 1)
    if optimizer not in _DEFAULT_LR:
        raise ValueError(f"unknown optimizer={optimizer!r}; choose one of {tuple(_DEFAULT_LR)}")
    lr = _DEFAULT_LR[optimizer] if lr is None else lr
    if (
        isinstance(lr, bool)
        or not isinstance(lr, int | float)
        or not (math.isfinite(lr) and lr > 0)
    ):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return float(lr)


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

    ``p_g`` is a distribution, a tensor of samples or a frozen ``Generator``. Returns −V on each
    step's minibatch (a CPU tensor of shape ``(steps,)``); it falls towards −C(G). D, and a
    ``Generator`` given as ``p_g``, are moved to ``device`` (default: cuda → mps → cpu). With
    ``seed`` the run draws from its own seeded random stream and leaves the caller's as it was.
    """
    lr = _check_settings(steps, batch_size, optimizer, lr)
    seed = _check_seed(seed)
    d_dim = getattr(D, "in_dim", None)
    if d_dim is None:
        raise ValueError("D must be a ganlib Discriminator (with in_dim)")
    device = resolve_device(device)
    players = (D, p_g) if isinstance(p_g, nn.Module) else (D,)
    with (
        _own_random_stream(seed, device, fork=seed is not None),
        _threads_for(device, batch_size, *players),
    ):
        return _fit_discriminator(D, p_data, p_g, steps, batch_size, lr, optimizer, d_dim, device)


def _fit_discriminator(D, p_data, p_g, steps, batch_size, lr, optimizer, d_dim, device):
    D.to(device).train()
    real = _Minibatches(p_data, batch_size, d_dim, device)
    G, fakes = None, None
    if isinstance(p_g, nn.Module):
        if getattr(p_g, "out_dim", None) != d_dim:
            raise ValueError(
                f"G makes samples of dimension {getattr(p_g, 'out_dim', None)} but D reads dimension {d_dim}"
            )
        G = p_g.to(device)
    else:
        fakes = _Minibatches(p_g, batch_size, d_dim, device)
    opt_d = _optimizer(optimizer, D.parameters(), lr, device)
    two_passes = _has_dropout(D)
    losses = torch.zeros(steps, device=device)
    for step in range(steps):
        if G is not None:
            with torch.no_grad():
                fake = G(G.sample_latent(batch_size))
        else:
            fake = fakes.next()
        losses[step] = _discriminator_step(D, opt_d, real.next(), fake, two_passes)[0]
    losses = losses.cpu()
    if not torch.isfinite(losses).all():
        bad = int((~torch.isfinite(losses)).nonzero()[0]) + 1
        raise ValueError(
            f"D's loss diverged at step {bad}; try a smaller lr (now {lr:g}; e.g. lr={lr / 10:g})"
        )
    return losses


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
    seed: int | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    callback: Callable[[int, nn.Module, nn.Module], None] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    resume: str | os.PathLike | None = None,
) -> History:
    """min_G max_D V(D, G) by alternating minibatch steps: Algorithm 1 (k = 1 in the paper).

    Each of ``steps`` iterations takes ``k`` gradient steps on D (ascending V on m = ``batch_size``
    data and generated samples) and then one on G (descending its ``loss``: ``"minimax"``,
    ``"nonsaturating"`` or ``"maximum_likelihood"``) with D frozen. ``data`` is a distribution or an ``(N, d)`` tensor.
    The optimizer is SGD with momentum 0.5 and a constant lr of 0.05 unless given, or Adam
    (β1 = 0.5 as in DCGAN, lr 2e-4 unless given). The paper says only "we used momentum"; its
    MNIST code started at momentum 0.5 (rising to 0.7) with lr 0.1 decayed each update. The
    constant 0.05 was measured on the book's 1-D Gaussians. ``schedule="paper"`` (SGD only)
    runs that code's schedule instead: lr (default 0.1) divided by 1.000004 per step, momentum
    0.5 → 0.7 from epoch 1 to 250 (an epoch is one pass over tensor data, or 50,000 samples).

    G and D are moved to ``device`` (default: cuda → mps → cpu) and trained in place.
    ``seed`` runs training on its own random stream (``torch.manual_seed(seed)`` inside
    ``torch.random.fork_rng``): the same seed and models give the same parameters on one machine,
    and the caller's global random state is left as it was.
    On the CPU, small models (batch × parameters below 5 million) train on one intra-op thread,
    and the caller's thread setting is restored afterwards: a second thread gains nothing for
    them and makes them 4× slower when another process shares the CPU.
    ``callback(step, G, D)`` runs after every step. With ``checkpoint`` a file is written every
    ``checkpoint_every`` steps and at the end; ``resume`` continues from such a file up to
    ``steps`` in total, exactly as an uninterrupted run would have.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule={schedule!r}; choose one of {SCHEDULES}")
    if schedule == "paper" and optimizer != "sgd":
        raise ValueError(
            f"schedule='paper' is the original code's SGD schedule; got optimizer={optimizer!r}"
        )
    if schedule == "paper" and lr is None:
        lr = 0.1  # the original code's starting lr
    lr = _check_settings(steps, batch_size, optimizer, lr)
    k = _int_at_least("k (discriminator steps per generator step)", k, 1)
    checkpoint_every = _int_at_least("checkpoint_every", checkpoint_every, 0)
    if loss not in GENERATOR_LOSSES:
        raise ValueError(f"unknown loss={loss!r}; choose one of {GENERATOR_LOSSES}")
    g_dim, d_dim = getattr(G, "out_dim", None), getattr(D, "in_dim", None)
    if g_dim is None or d_dim is None:
        raise ValueError(
            "G must be a ganlib Generator (with out_dim) and D a Discriminator (in_dim)"
        )
    if g_dim != d_dim:
        raise ValueError(f"G makes samples of dimension {g_dim} but D reads dimension {d_dim}")

    seed = _check_seed(seed)
    device = resolve_device(device)
    with (
        _own_random_stream(seed, device, fork=seed is not None or resume is not None),
        _threads_for(device, batch_size, G, D),
    ):
        return _train(
            G, D, data, steps, k, batch_size, loss, lr, optimizer, schedule, device,
            progress, callback, checkpoint, checkpoint_every, resume,
        )  # fmt: skip


def _train(
    G, D, data, steps, k, batch_size, loss, lr, optimizer, schedule, device,
    progress, callback, checkpoint, checkpoint_every, resume,
) -> History:  # fmt: skip
    g_dim = G.out_dim
    G.to(device).train()
    D.to(device).train()
    batches = _Minibatches(data, batch_size, g_dim, device)
    opt_g = _optimizer(optimizer, G.parameters(), lr, device)
    opt_d = _optimizer(optimizer, D.parameters(), lr, device)
    g_params, d_params = list(G.parameters()), list(D.parameters())
    two_passes = _has_dropout(D)
    config = {
        "k": k,
        "batch_size": batch_size,
        "loss": loss,
        "lr": float(lr),
        "optimizer": optimizer,
        "schedule": schedule,
    }
    stats = torch.zeros(steps, len(fields(History)), device=device)  # one column per field

    start = 0
    if resume is not None:
        state = load_checkpoint(resume, G, D, opt_g=opt_g, opt_d=opt_d, map_location=device)
        saved = {"schedule": "constant", **state["config"]}  # files from before schedules
        changed = {key: (saved[key], v) for key, v in config.items() if saved[key] != v}
        if changed:
            raise ValueError(f"cannot resume {resume} with other settings (saved, now): {changed}")
        start = state["step"]
        if start > steps:
            raise ValueError(f"{resume} is already at step {start}, past steps={steps}")
        stats[:start] = state["history"].to(device)
        batches.load_state_dict(state["batches"])
        _set_rng_state(state["rng"])

    def save(step: int) -> None:
        extra = {
            "config": config,
            "history": stats[:step].cpu(),
            "batches": batches.state_dict(),
            "rng": _rng_state(),
        }
        save_checkpoint(checkpoint, G, D, step=step, opt_g=opt_g, opt_d=opt_d, extra=extra)

    checked = start
    bar = tqdm(total=steps, initial=start, disable=not progress, desc="Algorithm 1", unit="step")
    epoch_size = _PAPER_EPOCH if batches.examples is None else len(batches.examples)
    for step in range(start, steps):
        if schedule == "paper":
            _set_schedule((opt_d, opt_g), *paper_schedule(step, lr, epoch_size, batch_size))
        for _ in range(k):
            with torch.no_grad():  # D's step must not move G
                fake = G(G.sample_latent(batch_size))
            d_loss, real_logits, fake_logits = _discriminator_step(
                D, opt_d, batches.next(), fake, two_passes
            )

        for p in d_params:  # G's step reads D's gradient w.r.t. x, never changes θ_d
            p.requires_grad_(False)
        g_loss = generator_loss(D(G.sample(batch_size)), loss)
        _clear_grads(opt_g)
        g_loss.backward()
        grad_norm = torch.nn.utils.get_total_norm([p.grad for p in g_params if p.grad is not None])
        opt_g.step()
        for p in d_params:
            p.requires_grad_(True)

        stats[step] = torch.stack(
            [
                d_loss,
                g_loss.detach(),
                real_logits.sigmoid().mean(),
                fake_logits.sigmoid().mean(),
                grad_norm,
            ]
        )
        done = step + 1
        bar.update(1)
        if done - checked >= _SYNC_EVERY or done == steps:
            _check_finite(stats, checked, done, lr)
            checked = done
            bar.set_postfix(d_loss=f"{stats[step, 0]:.3f}", g_loss=f"{stats[step, 1]:.3f}")
        if callback is not None:
            callback(done, G, D)
        if checkpoint is not None and (
            done == steps or (checkpoint_every and done % checkpoint_every == 0)
        ):
            _check_finite(stats, checked, done, lr)  # never save a diverged state
            save(done)
    bar.close()
    if checkpoint is not None and start == steps:
        save(steps)
    return History._from_stats(stats)


def _check_finite(stats: torch.Tensor, lo: int, hi: int, lr: float) -> None:
    bad = (~torch.isfinite(stats[lo:hi])).any(dim=1).nonzero()
    if len(bad):
        s = lo + int(bad[0])
        values = ", ".join(
            f"{f.name}={v:.4g}" for f, v in zip(fields(History), stats[s].tolist(), strict=True)
        )
        raise TrainingDiverged(
            f"training diverged at step {s + 1} ({values}). "
            f"Try a smaller lr (now {lr:g}; e.g. lr={lr / 10:g}).",
            History._from_stats(stats[: s + 1]),
        )
