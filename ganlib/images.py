"""Figures 2 and 3 of the paper: grids of samples, their nearest training images, and walks in z.

Everything here returns tensors; :func:`show_grid` alone draws, on an Axes the caller makes
(so importing ganlib never imports matplotlib).
"""

from __future__ import annotations

import torch
from torch import nn

from ._checks import int_at_least, int_below
from .distances import squared_distances

__all__ = ["image_grid", "interpolate", "nearest_neighbours", "show_grid", "with_neighbours"]


def _images(name: str, t: object, shape: tuple[int, int]) -> torch.Tensor:
    h, w = shape
    if not isinstance(t, torch.Tensor) or t.ndim < 2 or t.shape[-1] != h * w:
        got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
        raise ValueError(f"{name} must be images as rows of {h}×{w} = {h * w} pixels, got {got}")
    return t.detach()


def nearest_neighbours(
    queries: torch.Tensor,
    pool: torch.Tensor,
    *,
    device: str | torch.device | None = None,
    chunk: int = 1024,
) -> tuple[torch.Tensor, torch.Tensor]:
    """argmin_j ‖qᵢ − p_j‖ for each query: the closest training image to each sample (Figure 2).

    The search runs on ``device`` (default: cuda → mps → cpu) by one matrix product per chunk
    of queries; each winner's distance is then recomputed from explicit differences in float64,
    so a copy of a training image is at distance exactly 0. Returns ``(distances, indices)``,
    CPU tensors of shape ``(len(queries),)``; ``pool[indices]`` are the neighbours.
    """
    for name, t in (("queries", queries), ("pool", pool)):
        if not isinstance(t, torch.Tensor) or t.ndim != 2 or len(t) == 0:
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a tensor of shape (n, d) with n ≥ 1, got {got}")
    if queries.shape[1] != pool.shape[1]:
        raise ValueError(f"queries have dimension {queries.shape[1]}, pool {pool.shape[1]}")
    chunks = squared_distances(queries, pool, device=device, chunk=chunk)
    idx = torch.cat([sq.argmin(dim=1).cpu() for sq in chunks])
    q, p = queries.detach().double().cpu(), pool.detach().double().cpu()
    return (q - p[idx]).norm(dim=1), idx


def image_grid(
    images: torch.Tensor, shape: tuple[int, int], ncols: int, pad: int = 1, fill: float = 1.0
) -> torch.Tensor:
    """Tile images (rows of h·w pixels, in order, row by row) into one ``(H, W)`` picture.

    ``pad`` pixels of ``fill`` separate the tiles; missing tiles in the last row stay ``fill``.
    """
    h, w = shape
    images = _images("images", images, shape).reshape(-1, h, w).float().cpu()
    int_at_least("ncols", ncols, 1)
    nrows = -(-len(images) // ncols)
    out = torch.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad), float(fill))
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        out[top : top + h, left : left + w] = img
    return out


def with_neighbours(
    samples: torch.Tensor, train: torch.Tensor, ncols: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Figure 2's layout: rows of ``ncols`` samples, each row followed by the nearest training
    image of its last sample (the paper's rightmost column).

    Returns ``(images, distances)``: ``ncols + 1`` images per row, and for each row the distance
    from its last sample to that neighbour.
    """
    int_at_least("ncols", ncols, 1)
    if not isinstance(samples, torch.Tensor) or samples.ndim != 2 or len(samples) % ncols:
        got = tuple(samples.shape) if isinstance(samples, torch.Tensor) else type(samples).__name__
        raise ValueError(f"samples must have shape (rows·{ncols}, d), got {got}")
    rows = samples.detach().cpu().float().reshape(-1, ncols, samples.shape[1])
    dist, idx = nearest_neighbours(rows[:, -1], train)
    neighbours = train.detach().cpu().float()[idx][:, None]
    return torch.cat([rows, neighbours], dim=1).reshape(-1, samples.shape[1]), dist


@torch.no_grad()
def interpolate(G: nn.Module, z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """G((1 − t) z₀ + t z₁) for ``steps`` values of t from 0 to 1: Figure 3's walk in z.

    ``z0`` and ``z1`` are ``(rows, latent_dim)``; the result is ``(rows·steps, out_dim)``, each
    row of the figure in order. G is put in eval mode for this and left as it was.
    """
    int_at_least("steps", steps, 2)
    if z0.shape != z1.shape or z0.ndim != 2 or z0.shape[1] != getattr(G, "latent_dim", -1):
        raise ValueError(
            f"z0 and z1 must both have shape (rows, {getattr(G, 'latent_dim', '?')}), "
            f"got {tuple(z0.shape)} and {tuple(z1.shape)}"
        )
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device)[None, :, None]
    z = ((1 - t) * z0[:, None] + t * z1[:, None]).reshape(-1, z0.shape[1])
    was_training = G.training
    G.eval()
    try:
        return G(z.to(next(G.parameters()).device)).cpu()
    finally:
        G.train(was_training)


def show_grid(
    ax,
    images: torch.Tensor,
    shape: tuple[int, int],
    ncols: int,
    *,
    title: str | None = None,
    outline: int | None = None,
) -> torch.Tensor:
    """Draw :func:`image_grid` on ``ax``: bright ink on a dark ground as in the paper's figures,
    tiles parted by grey lines; ``outline`` draws a yellow frame around that column of tiles
    (Figure 2 outlines its nearest training images so). Returns the tiled picture."""
    picture = image_grid(images, shape, ncols, pad=1, fill=0.5)
    ax.imshow(picture.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if outline is not None:
        int_below("outline", outline, 0, ncols, f"a column index in [0, {ncols})")
        from matplotlib.patches import Rectangle  # here: importing ganlib never imports matplotlib

        w = shape[1]
        # A tile's pixels span [left - 0.5, left + w - 0.5] in imshow's coordinates; the frame
        # sits on the grey lines either side of the column.
        left = outline * (w + 1)
        ax.add_patch(
            Rectangle(
                (left - 0.5, -0.5),
                w + 2,
                picture.shape[0],
                fill=False,
                edgecolor="yellow",
                lw=2,
                clip_on=False,  # the last column's right edge is the axes' edge ...
                zorder=3,  # ... and its frame is drawn over the spines
            )
        )
    if title:
        ax.set_title(title)
    return picture
