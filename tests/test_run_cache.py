"""train(reuse=True): a finished run is loaded instead of trained only when it would come out the same.

The reference is always the same run trained without the cache (reuse=False), and "it did not
train" is checked by making Algorithm 1's iteration fail if it is ever called.
"""

import copy

import pytest
import torch

from ganlib import Discriminator, Generator, algorithm1, population, ring, run_cache, train

KW = {"steps": 30, "batch_size": 32, "optimizer": "adam", "progress": False, "device": "cpu"}


def _build():
    G = Generator(3, 2, hidden=(16, 16))
    D = Discriminator(2, hidden=(16, 16), dropout=0.2)
    return G, D


def _flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    monkeypatch.setenv("GANLIB_CACHE", str(folder))
    return folder


@pytest.fixture
def no_training(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("trained, though the run was in the cache")

    def forbid():
        monkeypatch.setattr(algorithm1, "iteration", forbidden)

    return forbid


def test_a_reused_run_equals_the_run_trained_without_the_cache(cache, no_training):
    data = torch.randn(200, 2)
    G_ref, D_ref = population(_build, range(3))
    reference = train(G_ref, D_ref, data, seed=4, **KW)
    assert not cache.exists()  # reuse=False touches no cache

    G_a, D_a = population(_build, range(3))
    first = train(G_a, D_a, data, seed=4, reuse=True, **KW)
    assert len(list(cache.glob("run-*.pt"))) == 1
    no_training()
    G_b, D_b = population(_build, range(3))  # built the same way: the cached run is loaded
    state = torch.get_rng_state()
    second = train(G_b, D_b, data, seed=4, reuse=True, **KW)
    assert torch.equal(torch.get_rng_state(), state)  # the caller's random state, as after training
    for history in (first, second):
        assert torch.equal(history.d_loss, reference.d_loss)
        assert torch.equal(history.g_grad_norm, reference.g_grad_norm)
    for model, ref in ((G_a, G_ref), (D_a, D_ref), (G_b, G_ref), (D_b, D_ref)):
        assert torch.equal(_flat(model), _flat(ref))


def test_a_single_model_and_a_distribution_are_reused_too(cache, no_training):
    torch.manual_seed(0)
    G, D = _build()
    G_again, D_again = copy.deepcopy(G), copy.deepcopy(D)
    train(G, D, ring(), seed=1, reuse=True, **KW)
    no_training()
    train(G_again, D_again, ring(), seed=1, reuse=True, **KW)
    assert torch.equal(_flat(G), _flat(G_again)) and torch.equal(_flat(D), _flat(D_again))


@pytest.mark.parametrize(
    "change",
    ["seed", "steps", "lr", "starting weights", "one data value", "mixture", "dropout", "code"],
)
def test_anything_that_changes_the_run_trains_again(cache, monkeypatch, change, tmp_path):
    data = torch.randn(200, 2)
    base = dict(KW, seed=4)
    G, D = population(_build, range(2))
    train(copy.deepcopy(G), copy.deepcopy(D), data, reuse=True, **base)
    if change == "seed":
        base["seed"] = 5
    elif change == "steps":
        base["steps"] = 31
    elif change == "lr":
        base["lr"] = 1e-3
    elif change == "starting weights":
        G, D = population(_build, [0, 7])
    elif change == "one data value":
        data = data.clone()
        data[17, 1] += 1e-6
    elif change == "mixture":  # two rings that differ only in their means
        train(copy.deepcopy(G), copy.deepcopy(D), ring(radius=2.0), reuse=True, **base)
        data = ring(radius=2.5)
    elif change == "dropout":  # the same parameters, another layer setting
        D.net[2].p = 0.3
    else:
        code = tmp_path / "code"
        code.mkdir()
        (code / "algorithm1.py").write_text("# ganlib, changed\n")
        monkeypatch.setattr(run_cache, "_CODE", code)
    before = set(cache.glob("run-*.pt"))
    calls = []
    step = algorithm1.iteration
    monkeypatch.setattr(algorithm1, "iteration", lambda *a, **k: calls.append(1) or step(*a, **k))
    train(G, D, data, reuse=True, **base)
    assert len(calls) == base["steps"]
    assert len(set(cache.glob("run-*.pt")) - before) == 1


def test_a_damaged_file_is_trained_again_and_replaced(cache, no_training):
    data = torch.randn(200, 2)
    G, D = population(_build, range(2))
    train(copy.deepcopy(G), copy.deepcopy(D), data, seed=0, reuse=True, **KW)
    (path,) = cache.glob("run-*.pt")
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # a save killed half way
    reference = train(copy.deepcopy(G), copy.deepcopy(D), data, seed=0, **KW)
    again = train(copy.deepcopy(G), copy.deepcopy(D), data, seed=0, reuse=True, **KW)
    assert torch.equal(again.d_loss, reference.d_loss)
    assert path.read_bytes() != good[: len(good) // 2]
    no_training()
    train(copy.deepcopy(G), copy.deepcopy(D), data, seed=0, reuse=True, **KW)


def test_a_cache_that_cannot_be_written_warns_and_returns_the_run(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("GANLIB_CACHE", str(blocker / "runs"))  # a folder inside a file
    G, D = _build()
    with pytest.warns(UserWarning, match="could not keep the run"):
        history = train(G, D, torch.randn(100, 2), seed=0, reuse=True, **KW)
    assert history.d_loss.shape == (KW["steps"],)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"seed": None}, "seed is None"),
        ({"callback": lambda *a: None}, "callback"),
        ({"checkpoint": "x.pt"}, "checkpoint"),
        ({"resume": "x.pt"}, "resume"),
        ({"reuse": "yes"}, "'yes'"),
    ],
)
def test_reuse_refuses_what_it_cannot_replay(cache, extra, named):
    G, D = _build()
    kw = {"seed": 0, "reuse": True, **extra}
    with pytest.raises(ValueError, match=named):
        train(G, D, torch.randn(100, 2), **{**KW, **kw})


def test_the_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("GANLIB_CACHE", str(tmp_path / "x"))
    assert run_cache.cache_dir() == tmp_path / "x"
    monkeypatch.delenv("GANLIB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert run_cache.cache_dir() == tmp_path / "xdg" / "ganlib"
    monkeypatch.setenv("GANLIB_CACHE", " ")
    with pytest.raises(ValueError, match="GANLIB_CACHE is set but empty"):
        run_cache.cache_dir()
