"""The paper's Figure 1, drawn from real networks: p_data, p_g, D and the mapping x = G(z).

It draws on a matplotlib Axes that the caller makes, so importing ganlib never imports
matplotlib (only :func:`animate_figure1` and :func:`explorer_animation` do, when called).
"""

from __future__ import annotations

import copy
import math
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ._checks import int_at_least
from .distributions import GaussianMixture

__all__ = [
    "Figure1Curves",
    "Snapshot",
    "Snapshots",
    "animate_figure1",
    "explorer_animation",
    "figure1",
]


@dataclass
class Figure1Curves:
    """What :func:`figure1` drew, on the grid ``x``: the densities, D, and the arrows' ends."""

    x: torch.Tensor
    p_data: torch.Tensor
    p_g: torch.Tensor  # a Gaussian kernel density estimate from G's samples
    d: torch.Tensor  # D(x) = σ(logit)
    z: torch.Tensor  # the arrows start at these z (quantiles of p_z) ...
    g_of_z: torch.Tensor  # ... and end at x = G(z)


def _kde(samples: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    # Silverman's rule of thumb, h = 1.06 σ n^(−1/5): right for unimodal, smooth p_g.
    n = len(samples)
    h = 1.06 * float(samples.std()) * n ** (-0.2) + 1e-12
    u = (x[:, None] - samples[None, :]) / h
    return torch.exp(-0.5 * u.square()).sum(1) / (n * h * math.sqrt(2 * math.pi))


def figure1(
    ax,
    p_data: GaussianMixture,
    G: nn.Module,
    D: nn.Module,
    *,
    x_range: tuple[float, float] | None = None,
    n_arrows: int = 15,
    n_samples: int = 20_000,
) -> Figure1Curves:
    """Figure 1 of the paper on ``ax``: p_data black dotted, D blue dashed, p_g green solid.

    Below the x axis, the z line with arrows from z (evenly spaced quantiles of p_z, drawn at
    their place on a line scaled to the x range) to x = G(z), as in the paper, which needs a 1-D
    z (``n_arrows=0`` draws none). ``x_range`` defaults to the span of p_data's and p_g's mass;
    the y axis is scaled to p_data, so a much narrower p_g runs off the top. Returns the curves.
    """
    if not isinstance(p_data, GaussianMixture) or p_data.dim != 1:
        raise ValueError(f"p_data must be a 1-D ganlib distribution, got {p_data!r}")
    if getattr(G, "out_dim", None) != 1 or getattr(D, "in_dim", None) != 1:
        raise ValueError("Figure 1 is one-dimensional: G must make 1-D samples and D read them")
    int_at_least("n_arrows", n_arrows, 0)
    if n_arrows and G.latent_dim != 1:
        raise ValueError(
            f"arrows x = G(z) need a 1-D z, but G has latent_dim={G.latent_dim}; pass n_arrows=0"
        )
    device = next(G.parameters()).device
    with torch.no_grad():
        fake = G.sample(n_samples)[:, 0].double().cpu()
        if x_range is None:
            data = p_data.sample(n_samples)[:, 0].double().cpu()
            both = torch.cat([data, fake])
            lo, hi = both.quantile(0.001).item(), both.quantile(0.999).item()
            pad = 0.15 * (hi - lo)
            x_range = (lo - pad, hi + pad)
        x = torch.linspace(*x_range, 500, dtype=torch.float64)
        d = torch.sigmoid(D(x[:, None].to(device, torch.get_default_dtype()))).double().cpu()
        u = (torch.arange(n_arrows, dtype=torch.float64) + 0.5) / max(n_arrows, 1)
        bound = math.sqrt(3.0)  # uniform prior: U(−√3, √3); Gaussian: its quantiles
        z = (2 * u - 1) * bound if G.noise == "uniform" else torch.special.ndtri(u)
        g_of_z = G(z[:, None].to(device, torch.get_default_dtype()))[:, 0].double().cpu()
    curves = Figure1Curves(
        x,
        p_data.log_prob(x.to(p_data.means.dtype)).exp().double().cpu(),
        _kde(fake, x),
        d,
        z,
        g_of_z,
    )

    # Scaled to p_data (and D ≤ 1), as in the paper: a much narrower p_g runs off the top.
    top = max(1.0, 1.2 * float(curves.p_data.max()))
    ax.plot(x, curves.p_data, "k:", lw=2, label="$p_{data}$")
    ax.plot(x, curves.p_g, "g-", lw=2, label="$p_g$")
    ax.plot(x, d, "b--", lw=2, label="$D(x)$")
    if n_arrows:
        z_line = -0.35 * top
        width, spread = x_range[1] - x_range[0], float(z.max() - z.min()) or 1.0
        z_pos = x_range[0] + 0.05 * width + (z - z.min()) / spread * 0.9 * width  # z's own line
        ax.axhline(0, color="k", lw=0.8)
        ax.axhline(z_line, color="k", lw=0.8)
        for start, end in zip(z_pos.tolist(), g_of_z.tolist(), strict=True):
            ax.annotate(
                "", xy=(end, 0), xytext=(start, z_line), arrowprops={"arrowstyle": "->", "lw": 0.8}
            )
        ax.text(x_range[1], z_line, " z", ha="left", va="center")
        ax.text(x_range[1], 0, " x", ha="left", va="center")
    ax.set(xlim=x_range, ylim=(-0.45 * top if n_arrows else 0, 1.1 * top))
    return curves


@dataclass(frozen=True)
class Snapshot:
    """G and D as they were after ``step`` generator steps (CPU copies in eval mode)."""

    step: int
    G: nn.Module
    D: nn.Module


class Snapshots:
    """A ``train(callback=...)`` that keeps a CPU copy of G and D every ``every`` steps.

    Pass ``initial=(G, D)`` to keep step 0 too. Index or iterate it like a list of
    :class:`Snapshot`; ``at(step)`` finds one by its step.
    """

    def __init__(self, every: int, initial: tuple[nn.Module, nn.Module] | None = None) -> None:
        int_at_least("every", every, 1)  # steps between snapshots
        self.every = every
        self.frames: list[Snapshot] = []
        if initial is not None:
            self.frames.append(self._copy(0, *initial))

    @staticmethod
    def _copy(step: int, G: nn.Module, D: nn.Module) -> Snapshot:
        G, D = (copy.deepcopy(m).cpu().eval() for m in (G, D))  # call .train() to train one on
        return Snapshot(step, G, D)

    def __call__(self, step: int, G: nn.Module, D: nn.Module) -> None:
        if step % self.every == 0:
            self.frames.append(self._copy(step, G, D))

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> Snapshot:
        return self.frames[i]

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(self.frames)

    def at(self, step: int) -> Snapshot:
        """The snapshot taken after ``step`` generator steps."""
        for frame in self.frames:
            if frame.step == step:
                return frame
        raise ValueError(f"no snapshot at step {step}; steps kept: {[f.step for f in self.frames]}")


def animate_figure1(
    ax,
    p_data: GaussianMixture,
    snapshots: Snapshots,
    *,
    x_range: tuple[float, float] | None = None,
    n_arrows: int = 15,
    n_samples: int = 5_000,
):
    """Figure 1 for every snapshot of a run, as a matplotlib ``FuncAnimation`` on ``ax``'s figure.

    ``x_range`` defaults to one range for the whole run (the mass of p_data and of the first and
    last p_g). ``.to_jshtml()`` of the result plays in a web page without a Python kernel.
    """
    from matplotlib.animation import FuncAnimation  # only here: ganlib needs no matplotlib

    if not len(snapshots):
        raise ValueError("snapshots is empty: pass it as train(..., callback=snapshots) first")
    if x_range is None:
        first, last = (
            figure1(ax, p_data, s.G, s.D, n_arrows=0, n_samples=n_samples).x
            for s in (snapshots[0], snapshots[-1])
        )
        x_range = (min(float(first[0]), float(last[0])), max(float(first[-1]), float(last[-1])))

    def frame(i: int) -> None:
        ax.clear()
        s = snapshots[i]
        figure1(ax, p_data, s.G, s.D, x_range=x_range, n_arrows=n_arrows, n_samples=n_samples)
        ax.set_title(f"after {s.step} steps of Algorithm 1")
        ax.legend(loc="upper left")

    return FuncAnimation(ax.figure, frame, frames=len(snapshots))


def explorer_animation(
    explore: Callable[..., float | Mapping[str, float]],
    path: Sequence[Sequence[float]],
    *,
    x: Sequence[float] | None = None,
    xlabel: str = "frame",
    ylabel: str = "value",
    lines: Mapping[str, float] | None = None,
    ylim: tuple[float, float] | None = None,
    logy: bool = False,
    fps: int = 4,
) -> tuple[str, dict[str, list[float]]]:
    """An ipywidgets explorer for a page without a kernel: ``explore(*path[i], ax=left)`` per frame.

    The right panel traces what ``explore`` returns (a number, or one number per named curve)
    against ``x`` (default: the frame number), with horizontal reference ``lines`` (label: y).
    Returns the animation as HTML (matplotlib's ``to_jshtml``: the frames inline, played by
    JavaScript) and the traced values, one list per curve, for the caller's checks.
    """
    import matplotlib.pyplot as plt  # only here: ganlib needs no matplotlib
    from matplotlib.animation import HTMLWriter

    if len(path) == 0:
        raise ValueError("path is empty: give one tuple of explore's arguments per frame")
    xs = list(range(len(path))) if x is None else [float(v) for v in x]
    if len(xs) != len(path):
        raise ValueError(f"x has {len(xs)} values for {len(path)} frames; give one per frame")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2), dpi=72, layout="constrained")
    traced: dict[int, dict[str, float]] = {}  # frame -> values (matplotlib may draw one twice)

    def frame(i: int) -> None:
        left.clear()
        right.clear()
        value = explore(*path[i], ax=left)
        named = value if isinstance(value, Mapping) else {ylabel: value}
        traced[i] = {name: float(v) for name, v in named.items()}  # tensors too
        for name in traced[i]:
            right.plot(xs[: i + 1], [traced[j][name] for j in range(i + 1)], ".-", label=name)
        for label, y in (lines or {}).items():
            right.axhline(y, color="gray", ls="--", lw=1)
            right.annotate(label, (max(xs), y), color="gray", ha="right", va="bottom")
        right.set(xlim=(min(xs), max(xs)), xlabel=xlabel, ylabel=ylabel)
        if logy:
            right.set_yscale("log")
        if ylim is not None:
            right.set_ylim(*ylim)
        if len(traced[i]) > 1:
            right.legend(loc="best")

    # What FuncAnimation(...).to_jshtml() writes, drawn a third as often: it renders each frame
    # three times (draw, draw_idle, savefig), each with a fresh constrained layout. Here each
    # frame is drawn once, and the layout of the first frame is kept (the axes do not move).
    writer = HTMLWriter(fps=fps, embed_frames=True, default_mode="once")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "animation.html"
        with writer.saving(fig, page, dpi=fig.dpi):
            for i in range(len(path)):
                frame(i)
                writer.grab_frame()
                fig.set_layout_engine("none")  # after the first frame: keep its layout
        html = page.read_text()
    plt.close(fig)
    names = list(traced[0])
    return html, {name: [traced[i][name] for i in range(len(path))] for name in names}
