import gzip
import struct

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from ganlib.data import MNIST_FILES, digits, mnist, read_idx


def test_digits_split_is_fixed_disjoint_and_complete():
    a, b = digits(), digits()
    assert (len(a.train), len(a.valid), len(a.test)) == (1197, 300, 300)
    assert a.shape == (8, 8) and a.dim == 64 and a.train.dtype == torch.float32
    torch.manual_seed(123)  # the split must not depend on the global random state
    assert torch.equal(a.train, digits().train) and torch.equal(a.test, b.test)
    # Every scikit-learn image appears exactly once, scaled by 1/16, with its own label.
    raw = load_digits()
    ours = torch.cat([a.train, a.valid, a.test]).double() * 16
    labels = torch.cat([a.train_labels, a.valid_labels, a.test_labels])
    order = np.lexsort(ours.numpy().T)
    ref = np.lexsort(raw.data.T)
    assert np.array_equal(ours.numpy()[order], raw.data[ref])
    assert np.array_equal(labels.numpy()[order], raw.target[ref])
    assert 0.0 <= float(a.train.min()) and float(a.train.max()) <= 1.0
    assert set(a.test_labels.tolist()) == set(range(10))


def _write_idx(path, array: np.ndarray, type_byte: int = 0x08, gz: bool = False):
    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(payload)


def _fake_mnist(folder, n_train=120, n_test=20, gz=False):
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28)),
        "train_labels": rng.integers(0, 10, n_train),
        "test_images": rng.integers(0, 256, (n_test, 28, 28)),
        "test_labels": rng.integers(0, 10, n_test),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        _write_idx(folder / (MNIST_FILES[key] + (".gz" if gz else "")), array, gz=gz)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_idx_files_with_the_papers_split(tmp_path, gz):
    arrays = _fake_mnist(tmp_path, gz=gz)
    data = mnist(tmp_path, download=False)
    assert (len(data.train), len(data.valid), len(data.test)) == (100, 20, 20)  # 5:1 like 50k:10k
    assert data.shape == (28, 28)
    expected = torch.from_numpy(arrays["train_images"].reshape(-1, 784) / 255).float()
    assert torch.equal(data.train, expected[:100]) and torch.equal(data.valid, expected[100:])
    assert data.test_labels.tolist() == arrays["test_labels"].tolist()


def test_mnist_finds_torchvisions_layout(tmp_path):
    _fake_mnist(tmp_path / "MNIST" / "raw", gz=True)
    assert len(mnist(tmp_path, download=False).test) == 20


def test_missing_mnist_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"digits\(\) needs no download") as err:
        mnist(tmp_path, download=False)
    assert "train-images-idx3-ubyte" in str(err.value)


def test_idx_round_trip_and_types(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a", array)
    assert np.array_equal(read_idx(tmp_path / "a"), array)
    big = np.array([1, -2, 70000], dtype=">i4")
    (tmp_path / "b").write_bytes(bytes([0, 0, 0x0C, 1]) + struct.pack(">I", 3) + big.tobytes())
    assert read_idx(tmp_path / "b").tolist() == [1, -2, 70000]


def test_corrupt_idx_files_are_named(tmp_path):
    arrays = _fake_mnist(tmp_path)
    images = tmp_path / MNIST_FILES["train_images"]
    images.write_bytes(images.read_bytes()[:-10])  # truncated download
    with pytest.raises(ValueError, match="truncated or corrupt"):
        mnist(tmp_path, download=False)
    images.write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match="is not an IDX file"):
        read_idx(images)
    (tmp_path / "x.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="not a readable IDX file"):
        read_idx(tmp_path / "x.gz")
    # Images and labels that disagree.
    _write_idx(images, arrays["train_images"][:50])
    with pytest.raises(ValueError, match="do not match"):
        mnist(tmp_path, download=False)
