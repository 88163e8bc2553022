"""train(reuse=True): a finished run is loaded instead of trained only when it would come out the same.

The reference is always the same run trained without the cache (reuse=False), and "it did not
train" is checked by making Algorithm 1's iteration fail if it is ever called.
"""

import copy

import pytest
import torch

from ganlib import (
    Discriminator,
    Generator,
    Population,
    Settings,
    population,
    ring,
    run_cache,
    train,
    training,
)

KW = {"steps": 30, "batch_size": 32, "optimizer": "adam", "progress": False, "device": "cpu"}


def _build():
    G = Generator(3, 2, hidden=(16, 16))
    D = Discriminator(2, hidden=(16, 16), dropout=0.2)
    return G, D


def _flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def _same_history(a, b):
    for name in ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert a.diverged == b.diverged


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
        monkeypatch.setattr(training, "iteration", forbidden)

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
        _same_history(history, reference)
    for model, ref in ((G_a, G_ref), (D_a, D_ref), (G_b, G_ref), (D_b, D_ref)):
        assert torch.equal(_flat(model), _flat(ref))


def test_a_single_model_and_a_distribution_are_reused_too(cache, no_training):
    torch.manual_seed(0)
    G, D = _build()
    G_ref, D_ref = copy.deepcopy(G), copy.deepcopy(D)
    G_again, D_again = copy.deepcopy(G), copy.deepcopy(D)
    reference = train(G_ref, D_ref, ring(), seed=1, **KW)
    train(G, D, ring(), seed=1, reuse=True, **KW)
    no_training()
    again = train(G_again, D_again, ring(), seed=1, reuse=True, **KW)
    _same_history(again, reference)
    assert torch.equal(_flat(G_again), _flat(G_ref)) and torch.equal(_flat(D_again), _flat(D_ref))


def test_a_population_with_a_diverged_member_is_reused_with_it(cache, no_training):
    torch.manual_seed(0)
    members = [_build() for _ in range(3)]
    with torch.no_grad():  # member 1's D starts with enormous weights: its loss overflows
        for p in members[1][1].parameters():
            p.mul_(1e30)
    G, D = Population([g for g, _ in members]), Population([d for _, d in members])
    kw = {**KW, "steps": 150, "optimizer": "sgd", "lr": 0.05}
    reference = train(copy.deepcopy(G), copy.deepcopy(D), ring(), seed=0, **kw)
    assert list(reference.diverged) == [1]
    train(copy.deepcopy(G), copy.deepcopy(D), ring(), seed=0, reuse=True, **kw)
    no_training()
    again = train(G, D, ring(), seed=0, reuse=True, **kw)
    assert again.diverged == reference.diverged
    for name in ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm"):
        assert torch.equal(getattr(again, name).isnan(), getattr(reference, name).isnan())
        assert torch.equal(getattr(again, name).nan_to_num(), getattr(reference, name).nan_to_num())


CHANGES = {  # a change to train's settings: the keyword and its new value
    "k": ("k", 2),
    "g_lr": ("g_lr", 1e-3),
    "batch size": ("batch_size", 16),
    "loss": ("loss", "minimax"),
    "optimizer": ("optimizer", "sgd"),
    "lr": ("lr", 1e-3),
    "seed": ("seed", 5),
    "steps": ("steps", 31),
}


@pytest.mark.parametrize(
    "change",
    [
        *CHANGES,
        "paper schedule",
        "starting weights",
        "prior",
        "a frozen layer",
        "one data value",
        "mixture",
        "dropout",
        "code",
        "MKL mode",
    ],
)
def test_anything_that_changes_the_run_trains_again(cache, monkeypatch, change, tmp_path):
    data = torch.randn(200, 2)
    base = dict(KW, seed=4)
    G, D = population(_build, range(2))
    train(copy.deepcopy(G), copy.deepcopy(D), data, reuse=True, **base)
    if change in CHANGES:
        key, value = CHANGES[change]
        base[key] = value
    elif change == "paper schedule":
        base.update(optimizer="sgd")
        train(copy.deepcopy(G), copy.deepcopy(D), data, reuse=True, **base)
        base.update(schedule="paper")
    elif change == "prior":  # the same weights, another p_z
        G.noise = "uniform" if G.noise == "gaussian" else "gaussian"
    elif change == "a frozen layer":
        G.net[0].weight.requires_grad_(False)
    elif change == "MKL mode":
        monkeypatch.setenv("MKL_CBWR", "COMPATIBLE")
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
        monkeypatch.setattr(run_cache, "CODE_DIGEST", "another ganlib")
    before = set(cache.glob("run-*.pt"))
    calls = []
    step = training.iteration
    monkeypatch.setattr(training, "iteration", lambda *a, **k: calls.append(1) or step(*a, **k))
    train(G, D, data, reuse=True, **base)
    assert len(calls) == base["steps"]  # every iteration ran: trained, not loaded
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


def test_the_code_digest_changes_with_any_module_and_is_read_at_import(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    before = run_cache._code_digest(tmp_path)
    (tmp_path / "b.py").write_text("y = 3\n")
    assert run_cache._code_digest(tmp_path) != before
    assert run_cache.CODE_DIGEST == run_cache._code_digest(run_cache._CODE)  # ganlib as imported


class _OwnGenerator(Generator):  # code the fingerprint cannot see
    pass


def test_players_whose_code_the_fingerprint_cannot_see_are_refused(cache):
    G, D = _build()
    with pytest.raises(ValueError, match=r"class .*_OwnGenerator.*only ganlib's and torch.nn's"):
        train(_OwnGenerator(3, 2), D, torch.randn(100, 2), seed=0, reuse=True, **KW)
    D.net[0].register_forward_hook(lambda module, inputs, output: output * 2)
    with pytest.raises(ValueError, match=r"cannot see the hooks on D's layer net.0"):
        train(G, D, torch.randn(100, 2), seed=0, reuse=True, **KW)


def test_a_0_dim_buffer_is_fingerprinted():
    G, D = _build()
    D.register_buffer("count", torch.tensor(3))
    kw = {"settings": Settings(), "steps": 1, "seed": 0, "device": torch.device("cpu")}
    first = run_cache.fingerprint(G, D, ring(), **kw)
    D.count += 1
    assert run_cache.fingerprint(G, D, ring(), **kw) != first
