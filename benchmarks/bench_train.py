"""ganlib.train against the loop a user would write, on the same models: `make bench`.

Usage: python benchmarks/bench_train.py [--shapes toy,digits,mnist] [--repeats 3] [--threads N]
                                        [--device cpu|cuda|mps]

Both sides train identical MLPs (ganlib's Generator and Discriminator: ReLU G, LeakyReLU(0.2) D)
with Adam(2e-4, β1 = 0.5) on a fixed tensor of examples. The plain loop is what tutorials write:
a DataLoader over a TensorDataset, a sigmoid output with ``nn.BCELoss``, one generator forward
reused for both players' steps, and ``loss.item()`` every step. ganlib draws fresh noise for G's
step (Algorithm 1), so it does one more generator forward per step. Runs alternate A B A B …
and the medians are reported, in steps per second. On a GPU the plain loop keeps its examples
in host memory and moves each batch over, as a DataLoader loop does.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import ganlib
from ganlib import Discriminator, Generator

SHAPES = {  # name: (latent, data dim, G hidden, D hidden, batch, steps)
    "toy": (1, 1, (32, 32), (32, 32), 128, 1500),
    "digits": (100, 64, (128, 256, 512, 1024), (512, 256), 64, 300),
    "mnist": (100, 784, (128, 256, 512, 1024), (512, 256), 64, 200),
}


def players(shape: str) -> tuple[Generator, Discriminator]:
    latent, dim, g_hidden, d_hidden, *_ = SHAPES[shape]
    torch.manual_seed(0)
    return Generator(latent, dim, hidden=g_hidden), Discriminator(dim, hidden=d_hidden)


def examples(shape: str) -> torch.Tensor:
    dim = SHAPES[shape][1]
    return torch.rand(10_000, dim, generator=torch.Generator().manual_seed(0))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_ganlib(shape: str, steps: int, device: torch.device) -> float:
    G, D = players(shape)
    batch = SHAPES[shape][4]
    _sync(device)
    start = time.perf_counter()
    ganlib.train(
        G, D, examples(shape), steps=steps, batch_size=batch, optimizer="adam", lr=2e-4,
        seed=0, progress=False, device=device,
    )  # fmt: skip
    _sync(device)
    return steps / (time.perf_counter() - start)


def run_plain(shape: str, steps: int, device: torch.device) -> float:
    G, D = players(shape)
    G.to(device), D.to(device)
    batch = SHAPES[shape][4]
    loader = DataLoader(
        TensorDataset(examples(shape)), batch_size=batch, shuffle=True, drop_last=True
    )
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    ones, zeros = torch.ones(batch, device=device), torch.zeros(batch, device=device)
    _sync(device)
    done, start = 0, time.perf_counter()
    while done < steps:
        for (real,) in loader:
            real = real.to(device)
            fake = G(G.sample_latent(batch))
            d_loss = bce(torch.sigmoid(D(real)), ones) + bce(torch.sigmoid(D(fake.detach())), zeros)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = bce(torch.sigmoid(D(fake)), ones)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            d_loss.item(), g_loss.item()  # what a loop that logs every step does
            done += 1
            if done == steps:
                break
    _sync(device)
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="toy,digits,mnist")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or mps")
    args = parser.parse_args()
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} intra-op threads, device {name or device}")  # fmt: skip
    print("| shape | batch | ganlib steps/s | plain loop steps/s | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for shape in args.shapes.split(","):
        steps = SHAPES[shape][5]
        run_ganlib(shape, steps // 10, device), run_plain(shape, steps // 10, device)  # warm-up
        ours, plain = [], []
        for _ in range(args.repeats):  # interleaved: A B A B ...
            ours.append(run_ganlib(shape, steps, device))
            plain.append(run_plain(shape, steps, device))
        a, b = statistics.median(ours), statistics.median(plain)
        print(f"| {shape} | {SHAPES[shape][4]} | {a:.0f} | {b:.0f} | {a / b:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
