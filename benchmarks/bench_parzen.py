"""Parzen-window log-likelihood at the paper's scale (Table 1): ganlib against the naive ways.

Usage: python benchmarks/bench_parzen.py [--n 10000] [--m 10000] [--d 784] [--subset 200]

The paper's protocol scores m = 10,000 MNIST test images under a Gaussian kernel on each of
n = 10,000 generated samples in d = 784 dimensions. Timed here on uniform [0, 1] pixels (the
arithmetic is the same for any data):

- ``ganlib``: ``parzen_log_likelihood``, float64 squared distances by one matrix product per chunk
  of test points, then log-sum-exp; on every test point (and on the GPU when there is one).
- ``float32 cdist``: the same in float32 with ``torch.cdist`` (fast, but how exact?).
- ``broadcast (parzen_ll.py)``: the original code's way, (x − μ)/σ broadcast over all samples for
  each batch of test points, numpy float64; run on ``--subset`` test points and scaled up.
- ``sklearn KernelDensity``: ``score_samples``; run on the subset and scaled up (and wrong when
  kernels underflow, see chapter 8).

The error column is the largest |difference| from a float64 brute-force reference (explicit
differences, scipy's logsumexp) on the subset.
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import numpy as np
import torch
from scipy.special import logsumexp

from ganlib import default_device
from ganlib.metrics import parzen_log_likelihood

SIGMA = 0.2  # inside the paper's grid; for MNIST samples the chosen σ is about 0.2


def brute(samples: np.ndarray, x: np.ndarray, sigma: float) -> np.ndarray:
    out = np.empty(len(x))
    for i, xi in enumerate(x):  # one test point at a time: exact, slow, independent of ganlib
        sq = ((xi[None, :] - samples) ** 2).sum(1)
        out[i] = logsumexp(-sq / (2 * sigma**2))
    d = samples.shape[1]
    return out - math.log(len(samples)) - d / 2 * math.log(2 * math.pi * sigma**2)


def broadcast(samples: np.ndarray, x: np.ndarray, sigma: float, batch: int = 10) -> np.ndarray:
    # goodfeli/adversarial parzen_ll.py: a = (x[:, None, :] − μ[None, :, :]) / σ per batch.
    out = []
    for start in range(0, len(x), batch):
        a = (x[start : start + batch, None, :] - samples[None, :, :]) / sigma
        out.append(logsumexp(-0.5 * (a**2).sum(2), axis=1))
    d = samples.shape[1]
    return np.concatenate(out) - math.log(len(samples)) - d / 2 * math.log(2 * math.pi * sigma**2)


def cdist32(samples: torch.Tensor, x: torch.Tensor, sigma: float) -> torch.Tensor:
    sq = torch.cdist(x, samples).square()
    d = samples.shape[1]
    const = -math.log(len(samples)) - d / 2 * math.log(2 * math.pi * sigma**2)
    return torch.logsumexp(-sq / (2 * sigma**2), dim=1) + const


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="generated samples")
    ap.add_argument("--m", type=int, default=10_000, help="test points")
    ap.add_argument("--d", type=int, default=784, help="dimension")
    ap.add_argument("--subset", type=int, default=200, help="test points for the slow methods")
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(0)
    samples = torch.rand(args.n, args.d, generator=gen)
    x = torch.rand(args.m, args.d, generator=gen)
    sub = x[: args.subset]
    ref = brute(samples.double().numpy(), sub.double().numpy(), SIGMA)
    scale = args.m / args.subset

    print(f"# Parzen {args.n:,} samples × {args.m:,} test points × {args.d} dims, σ = {SIGMA}")
    print(f"# {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}")  # fmt: skip
    print("| method | seconds (full m) | max abs error on subset (nats) |")
    print("| --- | ---: | ---: |")
    parzen_log_likelihood(samples, sub, SIGMA, device="cpu")  # warm-up
    full, t = timed(lambda: parzen_log_likelihood(samples, x, SIGMA, device="cpu"))
    err = np.abs(full[: args.subset].numpy() - ref).max()
    print(f"| ganlib (cpu, float64) | {t:.2f} | {err:.1e} |")
    if default_device().type != "cpu":
        dev = default_device()
        parzen_log_likelihood(samples, sub, SIGMA, device=dev)
        out, t = timed(lambda: parzen_log_likelihood(samples, x, SIGMA, device=dev))
        err = np.abs(out[: args.subset].numpy() - ref).max()
        print(f"| ganlib ({dev.type}) | {t:.2f} | {err:.1e} |")
    out, t = timed(lambda: cdist32(samples, x, SIGMA))
    err = np.abs(out[: args.subset].double().numpy() - ref).max()
    print(f"| float32 cdist + logsumexp | {t:.2f} | {err:.1e} |")
    out, t = timed(lambda: broadcast(samples.double().numpy(), sub.double().numpy(), SIGMA))
    print(f"| broadcast, numpy (parzen_ll.py) | {t * scale:.0f} (×{scale:.0f} of {args.subset}) | "
          f"{np.abs(out - ref).max():.1e} |")  # fmt: skip
    try:
        from sklearn.neighbors import KernelDensity
    except ImportError:
        return
    kde = KernelDensity(bandwidth=SIGMA).fit(samples.double().numpy())
    out, t = timed(lambda: kde.score_samples(sub.double().numpy()))
    print(f"| sklearn KernelDensity | {t * scale:.0f} (×{scale:.0f} of {args.subset}) | "
          f"{np.abs(out - ref).max():.3g} |")  # fmt: skip


if __name__ == "__main__":
    main()
