"""A training run: Algorithm 1's outer loop ``steps`` times, with its History and checkpoints.

:func:`train` checks its settings, runs :func:`~ganlib.algorithm1.iteration` once per step on
the training device, records each iteration's row of :class:`~ganlib.history.History`, watches
for divergence (:mod:`ganlib.divergence`), checkpoints and resumes (:mod:`ganlib.checkpoint`),
and reuses a finished run from the run cache (:mod:`ganlib.run_cache`). Everything stays on the
device: data, noise and the running history. The host reads the history only every
``CHECK_EVERY`` steps (to check for divergence and refresh the progress bar), never once per step.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from ._checks import flag, int_at_least
from .algorithm1 import iteration, released_iteration
from .checkpoint import resume_run, save_run
from .device import resolve_device
from .distributions import GaussianMixture
from .divergence import CHECK_EVERY, Guard
from .history import STATS, History, record
from .minibatches import Minibatches
from .optimizers import PAPER_EPOCH, make_optimizer, paper_schedule, set_schedule
from .populations import shared_size
from .run_cache import cache_dir, fingerprint, finished_run
from .runtime import own_random_stream, threads_for
from .settings import Settings

__all__ = ["train"]

_BAR_SECONDS = 0.5  # the progress bar redraws at most twice a second: a notebook bar is a widget,
# and each redraw is a message to the browser; hundreds a second flooded the kernel.

Callback = Callable[[int, nn.Module, nn.Module], None]


@torch.enable_grad()  # training works even when called inside a torch.no_grad() block
def train(
    G: nn.Module,
    D: nn.Module,
    data: GaussianMixture | torch.Tensor,
    *,
    steps: int,
    seed: int | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    callback: Callback | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    resume: str | os.PathLike | None = None,
    reuse: bool = False,
    **settings: object,
) -> History:
    """min_G max_D V(D, G) by alternating minibatch steps: Algorithm 1 (k = 1 in the paper).

    ``settings`` are the fields of :class:`~ganlib.settings.Settings`, checked before anything
    runs: ``k``, ``batch_size``, ``loss``, ``lr``, ``optimizer``, ``schedule``, ``g_lr`` and
    ``update``.
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
    schedule, G's follows it in proportion). ``update="released"`` runs the update of the paper's
    released code instead of the box's: D and G step at once from one shared minibatch, D on
    ½(−V) (:func:`~ganlib.algorithm1.released_iteration`).

    G and D are moved to ``device`` (default: cuda → mps → cpu) and trained in place. Given two
    :class:`~ganlib.populations.Population` s of N, the N members train side by side, each on
    its own noise and minibatches; a member whose loss becomes inf or NaN is frozen at its last
    checked parameters and named in ``History.diverged``, and the others go on; a single run
    raises :class:`~ganlib.divergence.TrainingDiverged`.
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
    checked = Settings(**settings)
    steps = int_at_least("steps", steps, 0)
    checkpoint_every = int_at_least("checkpoint_every", checkpoint_every, 0)
    members = shared_size(G, D)
    seed = int_at_least("seed", seed, 0, or_none=True)
    if flag("reuse", reuse):
        clashes = {"callback": callback, "checkpoint": checkpoint, "resume": resume}
        given = [name for name, v in clashes.items() if v is not None]
        if seed is None or given:
            why = f"it cannot be combined with {', '.join(given)}" if given else "seed is None"
            raise ValueError(
                "reuse=True replays a finished run, so it needs a seed and no callback, "
                f"checkpoint or resume; {why}"
            )
    device = resolve_device(device)
    run = _Run(G, D, data, checked, members, device, progress, callback, checkpoint,
               checkpoint_every)  # fmt: skip
    with (
        own_random_stream(seed, device, fork=seed is not None or resume is not None),
        threads_for(device, checked.batch_size, G, D),
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
    callback: Callback | None
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
        if finished_run(path, key, steps):
            try:
                return self.to_step(steps, resume=path)
            except FileNotFoundError:
                pass  # removed since it was checked (torch.load fails before any state loads)
        self.checkpoint, self.cache_key = path, key
        return self.to_step(steps, resume=None)

    def to_step(self, steps: int, resume: str | os.PathLike | None) -> History:
        G, D, s = self.G, self.D, self.settings
        G.to(self.device).train()
        D.to(self.device).train()
        batches = Minibatches(self.data, s.batch_size, G.out_dim, self.device, self.members)
        opt_g = make_optimizer(s.optimizer, G.parameters(), s.g_lr, self.device)
        opt_d = make_optimizer(s.optimizer, D.parameters(), s.lr, self.device)
        self.batches, self.opt_g, self.opt_d = batches, opt_g, opt_d
        width = () if self.members is None else (self.members,)
        stats = torch.zeros(steps, len(STATS), *width, device=self.device)
        start, diverged = 0, {}
        if resume is not None:
            start, batch_state, diverged = resume_run(
                resume, G, D, opt_g=opt_g, opt_d=opt_d, settings=s, stats=stats,
                device=self.device,
            )  # fmt: skip
            batches.load_state_dict(batch_state)
        self.guard = Guard(stats, STATS, [*G.parameters(), *D.parameters()], self.members, s.lr,
                           report=History.from_stats, diverged=diverged)  # fmt: skip

        checked = start
        bar = tqdm(total=steps, initial=start, disable=not self.progress, desc="Algorithm 1",
                   unit="step", mininterval=_BAR_SECONDS)  # fmt: skip
        epoch_size = PAPER_EPOCH if batches.examples is None else len(batches.examples)
        update = released_iteration if s.update == "released" else iteration
        for step in range(start, steps):
            if s.schedule == "paper":
                set_schedule((opt_d,), *paper_schedule(step, s.lr, epoch_size, s.batch_size))
                set_schedule((opt_g,), *paper_schedule(step, s.g_lr, epoch_size, s.batch_size))
            it = update(G, D, batches, opt_d=opt_d, opt_g=opt_g, settings=s)
            stats[step] = record(it, opt_g, self.members)
            self.guard.hold()
            done = step + 1
            bar.update(1)
            save = self.checkpoint is not None and (
                done == steps or (self.checkpoint_every and done % self.checkpoint_every == 0)
            )
            if done - checked >= CHECK_EVERY or done == steps or save:
                self.guard.check(checked, done)  # never save a diverged state
                checked = done
                bar.set_postfix(self._postfix(stats[step]), refresh=False)
            if self.callback is not None:
                self.callback(done, G, D)
            if save:
                self._save(done)
        bar.close()
        if self.checkpoint is not None and start == steps:
            self._save(steps)
        return self.guard.result(steps)

    def _postfix(self, row: torch.Tensor) -> dict:
        if self.members is None:
            return {"d_loss": f"{row[0]:.3f}", "g_loss": f"{row[1]:.3f}"}
        return {"frozen": len(self.guard.diverged)} if self.guard.diverged else {}

    def _save(self, step: int) -> None:
        try:
            save_run(self.checkpoint, self.G, self.D, step=step, opt_g=self.opt_g,
                     opt_d=self.opt_d, settings=self.settings, stats=self.guard.stats,
                     batches=self.batches.state_dict(), diverged=self.guard.diverged,
                     fingerprint=self.cache_key)  # fmt: skip
        except (OSError, RuntimeError) as err:  # (a full disk: torch.save's RuntimeError)
            if self.cache_key is None:
                raise  # a checkpoint the caller asked for
            # A cache that cannot be written costs the next call a run, not this one's result.
            warnings.warn(f"train(reuse=True) could not keep the run: {err}", stacklevel=4)
