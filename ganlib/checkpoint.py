"""Checkpoints: G, D, both optimizers, the step and the random state, in one safe file.

:func:`save_checkpoint` and :func:`load_checkpoint` keep the players; :func:`save_run` and
:func:`resume_run` a whole training run, which then goes on exactly as if never interrupted.

Files are written atomically (a temporary file, then a rename), so an interrupted save never
destroys the previous checkpoint, and read with ``torch.load(weights_only=True)``, which cannot
run code hidden in a file.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .runtime import rng_state, set_rng_state

__all__ = ["load_checkpoint", "resume_run", "save_checkpoint", "save_run"]

FORMAT = "ganlib-checkpoint-1"
_REQUIRED = ("format", "step", "generator", "discriminator")


def save_checkpoint(
    path: str | os.PathLike,
    G: nn.Module,
    D: nn.Module,
    *,
    step: int,
    opt_g: torch.optim.Optimizer | None = None,
    opt_d: torch.optim.Optimizer | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write G, D (and optionally their optimizers) after ``step`` generator updates to ``path``."""
    path = Path(path)
    state: dict[str, Any] = {
        "format": FORMAT,
        "step": int(step),
        "generator": G.state_dict(),
        "discriminator": D.state_dict(),
        "opt_g": opt_g.state_dict() if opt_g is not None else None,
        "opt_d": opt_d.state_dict() if opt_d is not None else None,
        **(extra or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # two processes may save one path
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # no half-written file left behind
        raise
    return path


def _load_into(
    module: nn.Module | torch.optim.Optimizer, state: Any, what: str, path: Path
) -> None:
    try:
        module.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError, TypeError) as err:
        first = str(err).strip().splitlines()[0]
        raise ValueError(f"{path}: the saved {what} does not fit this one ({first})") from err


def load_checkpoint(
    path: str | os.PathLike,
    G: nn.Module,
    D: nn.Module,
    *,
    opt_g: torch.optim.Optimizer | None = None,
    opt_d: torch.optim.Optimizer | None = None,
    map_location: str | torch.device | None = "cpu",
) -> dict[str, Any]:
    """Load a checkpoint into G, D (and the optimizers given) and return the whole saved dict.

    A file that is not a ganlib checkpoint, or that was saved from networks of other sizes,
    raises ``ValueError`` saying so.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError, OSError) as err:
        raise ValueError(
            f"{path} is not a readable ganlib checkpoint (truncated or corrupt file?): {err}"
        ) from err
    missing = [k for k in _REQUIRED if not isinstance(state, dict) or k not in state]
    if missing or state["format"] != FORMAT:
        raise ValueError(
            f"{path} is not a {FORMAT} file (missing {missing or ['a matching format']})"
        )
    _load_into(G, state["generator"], "generator", path)
    _load_into(D, state["discriminator"], "discriminator", path)
    for opt, key in ((opt_g, "opt_g"), (opt_d, "opt_d")):
        if opt is not None:
            if state.get(key) is None:
                raise ValueError(f"{path} holds no {key} state to resume from")
            _load_into(opt, state[key], key, path)
    return state


def save_run(
    path: str | os.PathLike,
    G: nn.Module,
    D: nn.Module,
    *,
    step: int,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    settings: Any,
    stats: torch.Tensor,
    batches: dict,
    diverged: dict[int, int],
    fingerprint: str | None = None,
) -> Path:
    """A training run after ``step`` steps: a checkpoint with all that resuming it needs.

    Besides the players and optimizers: the :class:`~ganlib.settings.Settings`, the History's
    rows so far, the minibatch order, the random state and the frozen members.
    """
    extra = {
        "config": dataclasses.asdict(settings),
        "history": stats[:step].cpu(),
        "batches": batches,
        "rng": rng_state(),
        "diverged": dict(diverged),
    }
    if fingerprint is not None:
        extra["fingerprint"] = fingerprint
    return save_checkpoint(path, G, D, step=step, opt_g=opt_g, opt_d=opt_d, extra=extra)


def resume_run(
    path: str | os.PathLike,
    G: nn.Module,
    D: nn.Module,
    *,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    settings: Any,
    stats: torch.Tensor,
    device: torch.device,
) -> tuple[int, dict, dict[int, int]]:
    """Load a :func:`save_run` file into the players, optimizers and ``stats``, and check it.

    Refuses other settings, a run already past ``len(stats)`` steps and a history of another
    shape. Returns (step, minibatch state, frozen members); the random state is restored last,
    so the caller must restore the minibatch state without drawing.
    """
    state = load_checkpoint(path, G, D, opt_g=opt_g, opt_d=opt_d, map_location=device)
    # Files from before schedules, and from before the released code's update.
    saved = {"schedule": "constant", "update": "algorithm1", **state["config"]}
    saved.setdefault("g_lr", saved.get("lr"))  # files from before G had an lr of its own
    now = dataclasses.asdict(settings)
    changed = {key: (saved.get(key), v) for key, v in now.items() if saved.get(key) != v}
    if changed:
        raise ValueError(f"cannot resume {path} with other settings (saved, now): {changed}")
    start, steps = state["step"], len(stats)
    if start > steps:
        raise ValueError(f"{path} is already at step {start}, past steps={steps}")
    history = state["history"].to(device)
    if history.shape[1:] != stats.shape[1:]:
        raise ValueError(
            f"{path} holds a history of shape {tuple(history.shape)}, not a run of these players"
        )
    stats[:start] = history
    diverged = {int(i): int(s) for i, s in state.get("diverged", {}).items()}
    set_rng_state(state["rng"])
    return start, state["batches"], diverged
