"""The prepared check for a session that has a GPU: `make gpu-check` (a few minutes on one card).

Usage: python -m tools.gpu_check [--parts tests,theory,train,chapters,bench]
(on a GPU machine without a package index: `make gpu-wheels` here, then the Makefile's two lines)

One command, in order, each part printing its figures for benchmarks/RESULTS.md:
  tests     the unit tests (make unit's selection) with cuda as ganlib's default device
  theory    Section 4's numbers and the Parzen estimate computed from CUDA tensors equal the CPU's
  train     the 1-D Gaussian GAN trained on the GPU and on the CPU: steps/s, learned mean and std;
            then a population of 10 of them on the GPU: model-steps/s, every member's mean and std
  chapters  every chapter executed on the GPU (larger settings chosen by the chapters), its
            assertions included, with its time: one process per chapter, each stopped after 300 s
  bench     benchmarks/bench_train.py --device cuda: ganlib against the plain loop (goal: MNIST
            shape ≥ 3×); benchmarks/bench_population.py --device cuda
It exits non-zero when any part fails, after running the others.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time

import torch

import ganlib
from checkout import ROOT, chapters, run_groups
from ganlib import Discriminator, Gaussian, Generator

PARTS = ("tests", "theory", "train", "chapters", "bench")


def part_tests() -> None:
    # make unit's selection: no chapter executed, no grading round trip, no website
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests",
           "-m", "not site and not coursework"]  # fmt: skip
    subprocess.run(cmd, cwd=ROOT, check=True)


def part_theory(device: torch.device) -> None:
    pairs = [
        (Gaussian(0.0, 1.0), Gaussian(1.0, 2.0)),
        (ganlib.GaussianMixture([[-2.0], [2.0]], [0.5, 0.5], [0.3, 0.7]), Gaussian(0.5, 1.5)),
    ]
    for p, q in pairs:
        for f in (ganlib.virtual_criterion, ganlib.jensen_shannon):
            cpu, gpu = f(p, q), f(p.to(device), q.to(device))
            print(f"{f.__name__}: cpu {cpu:.15f} {device.type} {gpu:.15f}")
            assert cpu == gpu, (f.__name__, cpu, gpu)
    d = torch.rand(10_000, dtype=torch.float64).clamp(1e-6, 1 - 1e-6)
    v_cpu = ganlib.value_function(d, d.flip(0))
    v_gpu = ganlib.value_function(d.to(device), d.flip(0).to(device))
    print(f"value_function: cpu {v_cpu:.15f} {device.type} {v_gpu:.15f}")
    assert math.isclose(v_cpu, v_gpu, rel_tol=1e-12)
    assert ganlib.value_function(0.5, 0.5) == -math.log(4)
    dstar = ganlib.optimal_discriminator(d.to(device), d.flip(0).to(device)).cpu()
    assert torch.allclose(dstar, ganlib.optimal_discriminator(d, d.flip(0)), rtol=1e-12, atol=0)
    gen = torch.Generator().manual_seed(0)
    samples, test = torch.rand(2_000, 64, generator=gen), torch.rand(500, 64, generator=gen)
    ll_cpu = ganlib.parzen_log_likelihood(samples, test, sigma=0.2, device="cpu")
    ll_gpu = ganlib.parzen_log_likelihood(samples, test, sigma=0.2, device=device)
    err = (ll_cpu - ll_gpu.cpu()).abs().max().item()
    print(f"parzen_log_likelihood: largest cpu-{device.type} difference {err:.2e} nats")
    assert err < 1e-6


def _train_1d(device: torch.device, steps: int = 6000) -> tuple[float, float, float]:
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


def part_train(device: torch.device) -> None:
    for where in dict.fromkeys([device, torch.device("cpu")]):
        rate, mean, std = _train_1d(where)
        print(f"{where}: {rate:.0f} steps/s, learned mean {mean:.3f} (4.0), std {std:.3f} (1.25)")
        assert abs(mean - 4.0) < 0.25 and abs(std - 1.25) < 0.2  # as tests/test_train.py
    G, D = ganlib.population(
        lambda: (
            Generator(4, 1, hidden=(32, 32)),
            Discriminator(1, hidden=(32, 32), maxout_pieces=5),
        ),
        range(10),
    )
    start = time.perf_counter()
    history = ganlib.train(
        G, D, Gaussian(4.0, 1.25), steps=6000, seed=0, progress=False, device=device
    )
    if device.type == "cuda":
        torch.cuda.synchronize()
    rate = 10 * 6000 / (time.perf_counter() - start)
    with torch.no_grad():
        x = G.sample(50_000).cpu()[..., 0]
    means, stds = x.mean(1), x.std(1)
    print(
        f"{device}: a population of 10, {rate:.0f} model-steps/s; diverged {history.diverged}; "
        f"means {means.min():.3f}-{means.max():.3f}, stds {stds.min():.3f}-{stds.max():.3f}"
    )
    assert ((means - 4.0).abs() < 0.25).sum() >= 9 and ((stds - 1.25).abs() < 0.2).sum() >= 9


def part_chapters(limit_s: int = 300) -> None:
    # A process per chapter, each with a time limit: on the first H100 run (2026-12-06) a
    # chapter's kernel died once, and the one process running every chapter then hung at exit.
    # Chapter 8 runs with chapter 7, whose GANs it loads from their run cache, as in a session.
    failed = []
    for group in run_groups([path.stem for path in chapters()]):
        cmd = [sys.executable, "-m", "tools.timings", *group]
        try:
            done = subprocess.run(
                cmd, cwd=ROOT, timeout=limit_s * len(group), capture_output=True, text=True
            )
        except subprocess.TimeoutExpired:
            print(f"| {', '.join(group)} | stopped after {limit_s * len(group)} s |", flush=True)
            failed += group
            continue
        rows = [line for line in done.stdout.splitlines() if line.startswith("| 0")]
        print("\n".join(rows) if rows else done.stdout + done.stderr[-3000:], flush=True)
        if done.returncode:
            print(done.stderr[-3000:], flush=True)
            failed += group
    if failed:
        raise AssertionError(f"chapters that failed, or ran over their budget: {failed}")


def part_bench(device: torch.device) -> None:
    for script in ("bench_train.py", "bench_population.py"):
        cmd = [sys.executable, f"benchmarks/{script}", "--device", str(device)]
        subprocess.run(cmd, cwd=ROOT, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS))
    args = parser.parse_args()
    parts = args.parts.split(",")
    if unknown := [p for p in parts if p not in PARTS]:
        parser.error(f"unknown parts {unknown}; choose from {PARTS}")
    device = ganlib.default_device()
    card = torch.cuda.get_device_name() if device.type == "cuda" else "no GPU"
    print(f"device {device} ({card}), torch {torch.__version__}", flush=True)
    failed = []
    for name in parts:
        start = time.perf_counter()
        print(f"\n## {name}", flush=True)
        try:
            if name == "tests":
                part_tests()
            elif name == "chapters":
                part_chapters()
            else:
                {"theory": part_theory, "train": part_train, "bench": part_bench}[name](device)
        except (AssertionError, subprocess.CalledProcessError) as e:
            failed.append(name)
            print(f"FAILED: {name}: {e!r}", flush=True)
        print(f"({name}: {time.perf_counter() - start:.0f} s)", flush=True)
    print(f"\nfailed parts: {failed}" if failed else "\nall parts passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
