"""How a training run executes: its own random stream, and how many CPU threads it uses.

Neither changes what Algorithm 1 computes. The stream makes ``seed=`` reproduce a run without
touching the caller's random state; the thread policy makes small models fast on a shared CPU.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

__all__ = ["own_random_stream", "rng_state", "set_rng_state", "threads_for"]


def rng_state() -> dict:
    """The global random state (CPU, and every CUDA device), to put in a checkpoint."""
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`rng_state` returned."""
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@contextlib.contextmanager
def own_random_stream(seed: int | None, device: torch.device, fork: bool) -> Iterator[None]:
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
ONE_THREAD_BELOW = 5_000_000


@contextlib.contextmanager
def threads_for(device: torch.device, batch_size: int, *modules: nn.Module) -> Iterator[None]:
    """One intra-op CPU thread for small models while they train; the caller's setting after."""
    work = batch_size * sum(p.numel() for m in modules for p in m.parameters())
    before = torch.get_num_threads()
    if device.type != "cpu" or work >= ONE_THREAD_BELOW or before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
