"""Image data as the paper used it: real-valued pixels in [0, 1], one image a row of x ∈ R^d.

``digits()`` needs no download (scikit-learn ships the 8×8 digits inside its package): it is the
book's default everywhere, CI included. ``mnist()`` reads the 28×28 MNIST IDX files with the
paper's split (train[0:50000], validation train[50000:60000], the 10k test set).
"""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = ["ImageData", "digits", "mnist"]

# The four files of http://yann.lecun.com/exdb/mnist/ (also what torchvision writes to MNIST/raw).
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
# digits(): a fixed permutation (its own generator, so the split never depends on global state).
_DIGITS_SPLIT_SEED = 1406_2661
_DIGITS_VALID, _DIGITS_TEST = 300, 300


@dataclass(frozen=True)
class ImageData:
    """A train / validation / test split: images as rows of pixels in [0, 1], with their labels.

    ``train``, ``valid`` and ``test`` are float32 tensors of shape ``(n, height·width)``;
    ``*_labels`` are int64 class labels (0–9), used only for evaluation, never by the GAN.
    """

    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor
    train_labels: torch.Tensor
    valid_labels: torch.Tensor
    test_labels: torch.Tensor
    shape: tuple[int, int]  # (height, width) of one image
    name: str

    @property
    def dim(self) -> int:
        """d = height × width, the dimension of x."""
        return self.shape[0] * self.shape[1]

    def __repr__(self) -> str:
        sizes = f"train={len(self.train)}, valid={len(self.valid)}, test={len(self.test)}"
        return f"ImageData({self.name!r}, {self.shape[0]}×{self.shape[1]}, {sizes})"


def digits() -> ImageData:
    """scikit-learn's 8×8 handwritten digits, 1,797 images scaled from 0–16 to [0, 1].

    A fixed random split: 1,197 train, 300 validation, 300 test (the same on every machine).
    No download: the data ship inside scikit-learn.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - scikit-learn is a dependency of ganlib
        raise ImportError(
            "ganlib.data.digits() needs scikit-learn: pip install scikit-learn"
        ) from err
    bunch = load_digits()
    x = torch.from_numpy(bunch.data / 16.0).float()
    y = torch.from_numpy(bunch.target).long()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(_DIGITS_SPLIT_SEED))
    n_train = len(x) - _DIGITS_VALID - _DIGITS_TEST
    parts = order[:n_train], order[n_train : n_train + _DIGITS_VALID], order[-_DIGITS_TEST:]
    return ImageData(*(x[p] for p in parts), *(y[p] for p in parts), shape=(8, 8), name="digits")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (MNIST's format), plain or gzipped.

    Header: two zero bytes, a type byte (0x08 = uint8, …), the number of dimensions, then each
    dimension as a big-endian uint32; the data follow. A truncated or foreign file raises
    ``ValueError`` naming the file and what was wrong.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:  # a corrupt .gz fails here
        raise ValueError(f"{path} is not a readable IDX file ({err})") from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise ValueError(
            f"{path} is not an IDX file: it must start with bytes 00 00, a type byte in "
            f"{sorted(hex(t) for t in _IDX_TYPES)} and a dimension count ≥ 1; got {raw[:4].hex(' ')}"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header needs {header} bytes, it has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header says shape {shape} ({expected} bytes), "
            f"the file has {len(raw)} bytes"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _find(root: Path, stem: str) -> Path | None:
    for folder in (root, root / "MNIST" / "raw"):  # the latter is where torchvision puts them
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def _download(root: Path) -> None:
    try:
        from torchvision.datasets import MNIST
    except ImportError as err:
        raise FileNotFoundError(
            "torchvision is not installed, so MNIST cannot be downloaded"
        ) from err
    try:
        MNIST(str(root), train=True, download=True)
        MNIST(str(root), train=False, download=True)
    except Exception as err:  # no network, a mirror down, …: say so in the error below
        raise FileNotFoundError(f"downloading MNIST failed: {err}") from err


def mnist(root: str | os.PathLike | None = None, download: bool = True) -> ImageData:
    """MNIST as in the paper's code: train[0:50000], validation train[50000:60000], test 10k.

    Reads the four standard IDX files (``train-images-idx3-ubyte`` etc., raw or ``.gz``) from
    ``root`` or ``root/MNIST/raw`` (default root: ``~/.cache/ganlib``). When they are missing and
    ``download`` is true, torchvision fetches them (Colab has it). Pixels are scaled to [0, 1].
    """
    root = Path(root if root is not None else Path.home() / ".cache" / "ganlib").expanduser()
    paths = {key: _find(root, stem) for key, stem in MNIST_FILES.items()}
    why = ""
    if None in paths.values() and download:
        try:
            _download(root)
        except FileNotFoundError as err:
            why = f" ({err})"
        paths = {key: _find(root, stem) for key, stem in MNIST_FILES.items()}
    missing = [MNIST_FILES[key] for key, p in paths.items() if p is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST files not found in {root} or {root / 'MNIST' / 'raw'}: {missing}{why}. "
            "Put the four IDX files there (raw or .gz, from https://yann.lecun.com/exdb/mnist/ "
            "or a mirror), or install torchvision and call mnist(download=True) with a network. "
            "ganlib.data.digits() needs no download."
        )
    arrays = {key: read_idx(p) for key, p in paths.items()}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != images.shape[:1]:
            raise ValueError(
                f"MNIST {part} files do not match: images {images.shape} (need (n, 28, 28)), "
                f"labels {labels.shape} (need ({images.shape[0]},))"
            )
    train_x = torch.from_numpy(arrays["train_images"].reshape(-1, 784) / 255.0).float()
    test_x = torch.from_numpy(arrays["test_images"].reshape(-1, 784) / 255.0).float()
    train_y = torch.from_numpy(arrays["train_labels"].astype(np.int64))
    test_y = torch.from_numpy(arrays["test_labels"].astype(np.int64))
    n_train = min(50_000, len(train_x) * 5 // 6)  # 50k of 60k; small files keep the 5:1 split
    return ImageData(
        train_x[:n_train],
        train_x[n_train:],
        test_x,
        train_y[:n_train],
        train_y[n_train:],
        test_y,
        shape=(28, 28),
        name="mnist",
    )
