"""Finished training runs kept on disk, found again by a fingerprint of everything they depend on.

``train(..., reuse=True)`` saves its finished run here and loads it instead of training when the
same call comes again: chapter 8 scores the GANs chapter 7 trained (50 s on a 2-core CPU)
without training them twice. The fingerprint holds the settings, the steps and seed; every layer
of the players (its class and settings, such as the prior or a dropout rate), their starting
parameters and which of them train; the data; and what makes one machine's numbers differ from
another's: the device, the CPU kernels torch picks, the precision and determinism switches, the
math libraries' environment variables, the thread count, torch's version and the ganlib code this
process runs. Players from outside ganlib and torch.nn, or with hooks, are refused: their code is
not in the fingerprint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import platform
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = ["cache_dir", "fingerprint", "finished_run"]

_CODE = Path(__file__).resolve().parent
# Environment variables that change how the math libraries compute (MKL's mode, oneDNN's ISA,
# torch's CPU kernels, cuBLAS's workspace); thread counts are hashed as torch reports them.
_ENV_PREFIXES = ("MKL_", "DNNL_", "ONEDNN_", "ATEN_", "CUBLAS_")
_SIMPLE = (bool, int, float, str, type(None), tuple)


def _code_digest(folder: Path) -> str:
    """sha256 of ganlib's modules in ``folder``."""
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


# Read once, at import: the code this process runs, even if the files change on disk later.
CODE_DIGEST = _code_digest(_CODE)


def cache_dir() -> Path:
    """Where runs are kept: ``$GANLIB_CACHE``, else ``$XDG_CACHE_HOME/ganlib``, else ``~/.cache/ganlib``."""
    chosen = os.environ.get("GANLIB_CACHE")
    if chosen is not None:
        if not chosen.strip():
            raise ValueError("GANLIB_CACHE is set but empty; unset it or give a folder")
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganlib"


def _tensor(h: Any, name: str, t: torch.Tensor) -> None:
    t = t.detach().cpu().contiguous().reshape(-1)  # (a 0-dim tensor cannot be viewed as bytes)
    h.update(f"{name}:{t.dtype}:{t.numel()}:".encode())
    h.update(t.view(torch.uint8).numpy().tobytes())


def _layers(who: str, model: nn.Module) -> list[tuple]:
    """Every submodule's class and plain settings; a foreign class or a hook is refused."""
    layers = []
    for name, m in model.named_modules():
        kind = type(m)
        if not kind.__module__.startswith(("ganlib.", "torch.nn.")):
            raise ValueError(
                f"reuse=True cannot fingerprint {who}'s layer {name or who} of class "
                f"{kind.__module__}.{kind.__qualname__}: only ganlib's and torch.nn's layers "
                "(their code is ganlib's or torch's)"
            )
        hooks = [a for a in vars(m) if a.endswith("_hooks") and getattr(m, a)]
        if hooks:
            raise ValueError(f"reuse=True cannot see the hooks on {who}'s layer {name or who}")
        plain = sorted(
            (k, v)
            for k, v in vars(m).items()
            if not k.startswith("_") and k != "training" and isinstance(v, _SIMPLE)
        )  # (training mode aside: train() sets it)
        layers.append((name, kind.__module__, kind.__qualname__, plain))
    trains = [(n, p.requires_grad) for n, p in model.named_parameters()]
    return [*layers, trains]


def _machine(device: torch.device) -> dict:
    cuda = device.type == "cuda"
    return {
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if cuda else None,
        "cpu kernels": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "float32 matmul": torch.get_float32_matmul_precision(),
        "tf32": (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "cudnn": (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark),
        "env": sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "ganlib": CODE_DIGEST,
    }


def fingerprint(
    G: nn.Module,
    D: nn.Module,
    data: object,
    *,
    settings: object,
    steps: int,
    seed: int,
    device: torch.device,
) -> str:
    """sha256 of one run's inputs, read before it trains (the players' starting parameters)."""
    h = hashlib.sha256()
    run = {"settings": dataclasses.asdict(settings), "steps": steps, "seed": seed}
    h.update(repr((_machine(device), run, _layers("G", G), _layers("D", D))).encode())
    for who, model in (("G", G), ("D", D)):
        for name, t in model.state_dict().items():
            _tensor(h, f"{who}.{name}", t)
    if isinstance(data, torch.Tensor):
        _tensor(h, "data", data)
    else:  # a distribution: its parameters (its repr names only the family and sizes)
        h.update(f"{type(data).__module__}.{type(data).__qualname__}".encode())
        for name, value in sorted(vars(data).items()):
            if isinstance(value, torch.Tensor):
                _tensor(h, f"data.{name}", value)
            else:
                h.update(f"data.{name}={value!r}".encode())
    return h.hexdigest()


def finished_run(path: os.PathLike, key: str, steps: int) -> bool:
    """Whether ``path`` holds the finished run of fingerprint ``key`` (a damaged file: no)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except (OSError, RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError):
        return False  # absent, or truncated by a killed save: train again and replace it
    if not isinstance(state, dict):
        return False
    return state.get("fingerprint") == key and state.get("step") == steps
