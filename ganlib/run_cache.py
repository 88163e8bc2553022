"""Finished training runs kept on disk, found again by a fingerprint of everything they depend on.

``train(..., reuse=True)`` saves its finished run here and loads it instead of training when the
same call comes again: chapter 8 scores the GANs chapter 7 trained (3 minutes on a 2-core CPU)
without training them twice. A run is reused only when it would come out the same, so the
fingerprint holds the settings, the steps and seed, the players' layers and starting parameters,
the data, and what makes one machine's numbers differ from another's: the device, the CPU kernels
torch picks, MKL's mode, the thread count, torch's version and ganlib's own code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import platform
from pathlib import Path

import torch
from torch import nn

__all__ = ["cache_dir", "fingerprint"]

_CODE = Path(__file__).resolve().parent  # ganlib's modules: a change to any of them is a new run


def cache_dir() -> Path:
    """Where runs are kept: ``$GANLIB_CACHE``, else ``$XDG_CACHE_HOME/ganlib``, else ``~/.cache/ganlib``."""
    chosen = os.environ.get("GANLIB_CACHE")
    if chosen is not None:
        if not chosen.strip():
            raise ValueError("GANLIB_CACHE is set but empty; unset it or give a folder")
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganlib"


def _tensor(h: hashlib._Hash, name: str, t: torch.Tensor) -> None:
    t = t.detach().cpu().contiguous()
    h.update(f"{name}:{t.dtype}:{tuple(t.shape)}:".encode())
    h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")


def _code_digest() -> str:
    h = hashlib.sha256()
    for path in sorted(_CODE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


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
    machine = {
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "cpu kernels": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "mkl": sorted((k, v) for k, v in os.environ.items() if k.startswith("MKL_")),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "ganlib": _code_digest(),
    }
    run = {"settings": dataclasses.asdict(settings), "steps": steps, "seed": seed}
    h.update(repr((machine, run, repr(G), repr(D))).encode())
    for who, model in (("G", G), ("D", D)):
        for name, t in model.state_dict().items():
            _tensor(h, f"{who}.{name}", t)
    if isinstance(data, torch.Tensor):
        _tensor(h, "data", data)
    else:  # a distribution: its parameters (its repr names only the family and sizes)
        h.update(type(data).__qualname__.encode())
        for name, value in sorted(vars(data).items()):
            if isinstance(value, torch.Tensor):
                _tensor(h, f"data.{name}", value)
            else:
                h.update(f"data.{name}={value!r}".encode())
    return h.hexdigest()
