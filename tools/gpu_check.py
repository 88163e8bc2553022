"""A short device check for a machine with a GPU: `python tools/gpu_check.py` (about a minute).

Trains the book's 1-D Gaussian GAN on `ganlib.default_device()` and on the CPU, and prints the
device, steps per second on each and the learned mean and std, so a session with a lent GPU can
record the card and the figures. It asserts the same tolerances as tests/test_train.py.
"""

from __future__ import annotations

import time

import torch

import ganlib
from ganlib import Discriminator, Gaussian, Generator


def run(device: torch.device, steps: int = 6000) -> tuple[float, float, float]:
    torch.manual_seed(0)
    G = Generator(4, 1, hidden=(32, 32))
    D = Discriminator(1, hidden=(32, 32), maxout_pieces=5)
    start = time.perf_counter()
    ganlib.train(G, D, Gaussian(4.0, 1.25), steps=steps, seed=0, progress=False, device=device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        x = G.sample(50_000).cpu()
    return steps / seconds, x.mean().item(), x.std().item()


def main() -> None:
    device = ganlib.default_device()
    name = torch.cuda.get_device_name() if device.type == "cuda" else str(device)
    for where in dict.fromkeys([device, torch.device("cpu")]):
        rate, mean, std = run(where)
        label = name if where == device else "cpu"
        print(f"{label}: {rate:.0f} steps/s, learned mean {mean:.3f} (4.0), std {std:.3f} (1.25)")
        assert abs(mean - 4.0) < 0.25 and abs(std - 1.25) < 0.2  # as tests/test_train.py


if __name__ == "__main__":
    main()
