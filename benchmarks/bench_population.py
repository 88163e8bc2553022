"""Populations against one run at a time, and one run against a minimal step: `make bench`.

Usage: python benchmarks/bench_population.py [--repeats 3] [--members 10] [--device cpu|cuda|mps]

Three comparisons, each on the same models, settings and data, runs interleaved A B A B … and
the best of each reported (see ``_best``):

1. the 1-D toy of chapters 4-5 (G and D 32-32, batch 128, Adam): a population of ``--members``
   against as many ``ganlib.train`` runs one after another, in model-steps per second
   (members × steps / wall time). Goal ≥ 5×.
2. chapter 6's 2-D networks (G and D 128-128, batch 256, Adam, the eight-Gaussian ring): the
   same comparison. Goal ≥ 2×.
3. one ``ganlib.train`` run against the minimal hand-written step on the toy: fresh noise,
   one D pass over the real and generated minibatches, D's step, G's step with D frozen, and
   nothing else (no history, no gradient norm, no checks). Goal: ganlib within 1.3×.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

import ganlib
from ganlib import Discriminator, Generator, discriminator_loss, generator_loss

SHAPES = {  # name: (latent, data dim, hidden of G and D, batch, steps)
    "toy": (1, 1, (32, 32), 128, 300),
    "ring": (2, 2, (128, 128), 256, 100),
}


def build(shape: str):
    latent, dim, hidden, *_ = SHAPES[shape]
    return lambda: (Generator(latent, dim, hidden=hidden), Discriminator(dim, hidden=hidden))


def data(shape: str) -> ganlib.GaussianMixture:
    return ganlib.Gaussian(4.0, 1.25) if SHAPES[shape][1] == 1 else ganlib.ring(8)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _train(G, D, shape: str, steps: int, device: torch.device) -> None:
    ganlib.train(
        G,
        D,
        data(shape),
        steps=steps,
        batch_size=SHAPES[shape][3],
        optimizer="adam",
        seed=0,
        progress=False,
        device=device,
    )


def one_at_a_time(shape: str, members: int, steps: int, device: torch.device) -> float:
    """Model-steps per second of ``members`` ganlib.train runs one after another."""
    start = time.perf_counter()
    for seed in range(members):
        torch.manual_seed(seed)
        _train(*build(shape)(), shape, steps, device)
    _sync(device)
    return members * steps / (time.perf_counter() - start)


def as_population(shape: str, members: int, steps: int, device: torch.device) -> float:
    """Model-steps per second of one population of ``members``."""
    start = time.perf_counter()
    _train(*ganlib.population(build(shape), range(members)), shape, steps, device)
    _sync(device)
    return members * steps / (time.perf_counter() - start)


def minimal_step(shape: str, steps: int, device: torch.device) -> float:
    """Steps per second of the minimal loop: Algorithm 1's step and nothing else."""
    torch.manual_seed(0)
    G, D = (m.to(device) for m in build(shape)())
    p_data, m = data(shape).to(device), SHAPES[shape][3]
    fused = device.type in ("cpu", "cuda") or None
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=fused)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=fused)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # what ganlib.train picks for models this small
    start = time.perf_counter()
    for _ in range(steps):
        with torch.no_grad():
            fake = G(G.sample_latent(m))
        real_logits, fake_logits = D(torch.cat((p_data.sample(m), fake))).split(m)
        opt_d.zero_grad(set_to_none=True)
        discriminator_loss(real_logits, fake_logits).backward()
        opt_d.step()
        D.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        generator_loss(D(G.sample(m))).backward()
        opt_g.step()
        D.requires_grad_(True)
    _sync(device)
    rate = steps / (time.perf_counter() - start)
    torch.set_num_threads(threads)
    return rate


def single(shape: str, steps: int, device: torch.device) -> float:
    torch.manual_seed(0)
    G, D = build(shape)()
    start = time.perf_counter()
    _train(G, D, shape, steps, device)
    _sync(device)
    return steps / (time.perf_counter() - start)


def _best(a, b, repeats: int) -> tuple[float, float]:
    """The best rate of each over ``repeats`` interleaved runs (after one warm-up of each).

    Best, not median: on a shared machine other tenants only ever slow a run down, and the
    medians of the same comparison moved by ±30% from one minute to the next.
    """
    a(), b()
    xs, ys = [], []
    for _ in range(repeats):
        xs.append(a())
        ys.append(b())
    return max(xs), max(ys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or mps")
    args = parser.parse_args()
    device, n = torch.device(args.device), args.members
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else device
    print(
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} intra-op threads, device {name}"
    )
    print(f"| what | {n} runs one at a time | a population of {n} | ratio | goal |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for shape, goal in (("toy", 5.0), ("ring", 2.0)):
        steps = SHAPES[shape][4]
        alone, together = _best(
            lambda s=shape, k=steps: one_at_a_time(s, n, k, device),
            lambda s=shape, k=steps: as_population(s, n, k, device),
            args.repeats,
        )
        print(
            f"| {shape}, model-steps/s | {alone:.0f} | {together:.0f} | "
            f"{together / alone:.2f}× | ≥ {goal:g}× |",
            flush=True,
        )
    steps = 5 * SHAPES["toy"][4]
    ours, minimal = _best(
        lambda: single("toy", steps, device),
        lambda: minimal_step("toy", steps, device),
        args.repeats,
    )
    print(
        f"\n| toy, steps/s | ganlib.train | minimal step | slowdown | goal |\n| --- | ---: | ---: "
        f"| ---: | ---: |\n| one run | {ours:.0f} | {minimal:.0f} | {minimal / ours:.2f}× "
        f"| ≤ 1.3× |"
    )


if __name__ == "__main__":
    main()
