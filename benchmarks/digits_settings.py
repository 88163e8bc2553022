"""Why chapter 7 trains as it does: the settings it rejected, measured on the digits.

Usage: python benchmarks/digits_settings.py [--seeds 0,1] [--steps 5000]

Chapter 7 trains the paper's networks on scikit-learn's 8×8 digits narrowed to the small images
(G's hidden layers 256 units, D's maxout layers 64) with the original code's SGD schedule. This
runs that setting and four others, the paper's 240-unit D, the paper's full networks (G 1200,
D 240), Adam (β1 = 0.5, lr 2e-4, the DCGAN recipe) and ganlib's default SGD (lr 0.05, momentum
0.5, constant), each for the same number of steps, one GAN at a time, and prints for each:
seconds, k-NN precision and recall against the 300 test digits (k = 3), and how many of the ten
digit labels get ≥ 2% of 1,000 samples (labels by nearest training image). A collapsed run has
few labels and recall near 0. The figures are in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time

import torch

import ganlib
from ganlib.images import nearest_neighbours
from ganlib.metrics import precision_recall

PAPER = {"optimizer": "sgd", "schedule": "paper"}
SETTINGS = {  # name: (G width, D width, train keywords)
    "chapter 7: G 256, D 64, SGD paper schedule": (256, 64, PAPER),
    "G 256, D 240 (the paper's D), SGD paper schedule": (256, 240, PAPER),
    "G 1200, D 240 (the paper's networks), SGD paper schedule": (1200, 240, PAPER),
    "G 256, D 64, Adam 2e-4 β1 0.5": (256, 64, {"optimizer": "adam"}),
    "G 256, D 64, ganlib's default SGD (lr 0.05, momentum 0.5)": (256, 64, {"optimizer": "sgd"}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--steps", type=int, default=5000)  # chapter 7's steps
    args = ap.parse_args()
    data = ganlib.data.digits()
    print(f"| setting | seed | seconds | precision | recall | labels ≥ 2% |  ({args.steps} steps)")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, (g_width, d_width, kw) in SETTINGS.items():
        for seed in (int(s) for s in args.seeds.split(",")):
            torch.manual_seed(seed)
            G, D = ganlib.paper_networks(data.dim, g_width=g_width, d_width=d_width)
            start = time.perf_counter()
            ganlib.train(G, D, data.train, steps=args.steps, batch_size=100, seed=seed,
                         device="cpu", progress=False, **kw)  # fmt: skip
            seconds = time.perf_counter() - start
            G.eval()
            with torch.no_grad():
                samples = G.sample(1000)
            p, r = precision_recall(data.test, samples[: len(data.test)], k=3)
            _, nearest = nearest_neighbours(samples, data.train)
            share = torch.bincount(data.train_labels[nearest], minlength=10) / len(samples)
            labels = int((share >= 0.02).sum())
            print(f"| {name} | {seed} | {seconds:.0f} | {p:.2f} | {r:.2f} | {labels} |", flush=True)


if __name__ == "__main__":
    main()
