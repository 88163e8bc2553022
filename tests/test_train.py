import dataclasses
import math
import time

import pytest
import torch
import torch.nn.functional as F

from ganlib import (
    Discriminator,
    Gaussian,
    Generator,
    History,
    Settings,
    TrainingDiverged,
    default_device,
    fit_discriminator,
    high_mass_interval,
    iteration,
    optimal_discriminator,
    ring,
    train,
    virtual_criterion,
)
from ganlib.checkpoint import load_checkpoint


def _players(seed=0, latent_dim=4, width=32, out_dim=1):
    torch.manual_seed(seed)
    return Generator(latent_dim, out_dim, hidden=(width, width)), Discriminator(
        out_dim, hidden=(width, width)
    )


def _params(*modules):
    return torch.cat([p.detach().flatten() for m in modules for p in m.parameters()])


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_default_device_prefers_accelerators(monkeypatch, cuda, mps, expected):
    # The machine is faked: this checks the order cuda → mps → cpu on any machine.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert default_device() == torch.device(expected)


def test_learns_a_1d_gaussian():
    # The paper's recipe at toy size: SGD with momentum 0.5, k = 1, a maxout discriminator.
    # A trained result, so the tolerances hold with margin over seeds and CPUs: over seeds 0-4,
    # natively and under the Makefile's OTHER_CPU, the worst errors were 0.135 (mean) and 0.094
    # (std); D's last-200-step means were within 0.0004 of ½ and of log 4.
    target = Gaussian(4.0, 1.25)
    torch.manual_seed(0)
    G = Generator(4, 1, hidden=(32, 32))
    D = Discriminator(1, hidden=(32, 32), maxout_pieces=5)
    history = train(
        G,
        D,
        target,
        steps=6000,
        batch_size=256,
        lr=0.05,
        optimizer="sgd",
        seed=0,
        progress=False,
        device="cpu",
    )
    with torch.no_grad():
        x = G.sample(50_000)
    assert abs(x.mean().item() - 4.0) < 0.25
    assert abs(x.std().item() - 1.25) < 0.2
    # Near the equilibrium D can no longer tell the two apart: D(x) ≈ D(G(z)) ≈ ½ and −V ≈ log 4.
    assert abs(history.d_real[-200:].mean().item() - 0.5) < 0.05
    assert abs(history.d_loss[-200:].mean().item() - math.log(4)) < 0.05


def test_history_records_every_step():
    G, D = _players()
    seen = []
    h = train(G, D, Gaussian(0, 1), steps=30, k=2, progress=False, device="cpu",
              callback=lambda step, G_, D_: seen.append(step))  # fmt: skip
    assert seen == list(range(1, 31))
    assert isinstance(h, History) and len(h) == 30
    for series in (h.d_loss, h.g_loss, h.d_real, h.d_fake, h.g_grad_norm):
        assert series.shape == (30,) and torch.isfinite(series).all()
    assert ((h.d_real > 0) & (h.d_real < 1)).all()


def test_tensor_data_and_2d_distributions_train():
    G, D = _players(out_dim=2)
    examples = ring(8).sample(500)
    assert len(train(G, D, examples, steps=20, batch_size=64, progress=False, device="cpu")) == 20
    assert len(train(G, D, ring(8), steps=5, progress=False, device="cpu")) == 5


class _Examples:
    def next(self):
        return torch.randn(16, 1)


def _grads(module):
    return torch.cat([p.grad.flatten() for p in module.parameters()])


def test_d_step_does_not_touch_g_and_g_step_does_not_touch_d():
    # θ_g and θ_d read after every optimizer step of one iteration with k = 3.
    G, D = _players()
    opt_d = torch.optim.SGD(D.parameters(), lr=0.05, momentum=0.5)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.05, momentum=0.5)
    g_start, d_start = _params(G), _params(D)
    steps = []

    def after(who):
        return lambda *_: steps.append((who, _params(G), _params(D), _grads(D)))

    opt_d.register_step_post_hook(after("D"))
    opt_g.register_step_post_hook(after("G"))
    iteration(G, D, _Examples(), opt_d=opt_d, opt_g=opt_g, settings=Settings(k=3, batch_size=16))
    assert [who for who, *_ in steps] == ["D", "D", "D", "G"]
    d_thetas = [d for who, _, d, _ in steps if who == "D"]
    assert all(torch.equal(g, g_start) for who, g, _, _ in steps if who == "D")  # D's steps
    assert not torch.equal(d_thetas[0], d_start) and not torch.equal(d_thetas[2], d_thetas[1])
    _, g_after, d_after, d_grad_after = steps[3]
    assert not torch.equal(g_after, g_start)  # G's step moved θ_g ...
    assert torch.equal(d_after, d_thetas[2])  # ... and left θ_d where D's last step put it,
    assert torch.equal(d_grad_after, steps[2][3])  # with no gradient added to D's
    assert all(p.requires_grad for p in D.parameters())  # D is unfrozen after G's step


@pytest.mark.parametrize("data", ["distribution", "tensor"])
def test_same_seed_same_parameters(data):
    source = Gaussian(1.0, 0.5) if data == "distribution" else Gaussian(1.0, 0.5).sample(300)
    runs = []
    for _ in range(2):
        G, D = _players(seed=3)
        train(G, D, source, steps=60, batch_size=32, seed=11, progress=False, device="cpu")
        runs.append(_params(G, D))
    assert torch.equal(runs[0], runs[1])
    G, D = _players(seed=3)
    train(G, D, source, steps=60, batch_size=32, seed=12, progress=False, device="cpu")
    assert not torch.equal(runs[0], _params(G, D))


@pytest.mark.parametrize("data", ["distribution", "tensor"])
def test_resume_equals_an_uninterrupted_run(tmp_path, data):
    source = Gaussian(1.0, 0.5) if data == "distribution" else Gaussian(1.0, 0.5).sample(100)
    kw = dict(batch_size=32, k=2, seed=5, progress=False, device="cpu")
    G, D = _players(seed=1)
    full = train(G, D, source, steps=50, **kw)
    reference = _params(G, D)

    G, D = _players(seed=1)
    path = tmp_path / "run.pt"
    train(G, D, source, steps=20, checkpoint=path, **kw)
    torch.manual_seed(999)  # whatever happens in between must not matter
    G, D = _players(seed=42)  # fresh networks: everything comes from the file
    resumed = train(G, D, source, steps=50, resume=path, **kw)
    assert torch.equal(reference, _params(G, D))
    assert torch.equal(full.d_loss, resumed.d_loss)


def test_checkpoint_round_trip_and_every_n(tmp_path):
    G, D = _players()
    path = tmp_path / "ckpt" / "gan.pt"
    train(
        G,
        D,
        Gaussian(0, 1),
        steps=25,
        checkpoint=path,
        checkpoint_every=10,
        progress=False,
        device="cpu",
    )
    G2, D2 = _players(seed=7)
    state = load_checkpoint(path, G2, D2)
    columns = [f.name for f in dataclasses.fields(History) if f.name != "diverged"]
    assert state["step"] == 25 and state["history"].shape == (25, len(columns))
    assert state["config"]["lr"] == 0.05 and state["diverged"] == {}
    assert torch.equal(_params(G, D), _params(G2, D2))
    assert not (tmp_path / "ckpt" / "gan.pt.tmp").exists()


def test_corrupt_or_foreign_checkpoints_are_named(tmp_path):
    G, D = _players()
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="not a readable ganlib checkpoint"):
        load_checkpoint(bad, G, D)
    good = tmp_path / "good.pt"
    train(G, D, Gaussian(0, 1), steps=2, checkpoint=good, progress=False, device="cpu")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable ganlib checkpoint"):
        load_checkpoint(truncated, G, D)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(ValueError, match="not a ganlib-checkpoint-1 file"):
        load_checkpoint(foreign, G, D)
    with pytest.raises(ValueError, match="saved generator does not fit"):
        load_checkpoint(good, Generator(4, 1, hidden=(8,)), D)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt", G, D)


def test_resume_refuses_other_settings_or_a_later_step(tmp_path):
    G, D = _players()
    path = tmp_path / "c.pt"
    train(G, D, Gaussian(0, 1), steps=10, checkpoint=path, progress=False, device="cpu")
    with pytest.raises(ValueError, match=r"other settings.*'lr'"):
        train(G, D, Gaussian(0, 1), steps=20, lr=0.1, resume=path, progress=False, device="cpu")
    with pytest.raises(ValueError, match="already at step 10, past steps=5"):
        train(G, D, Gaussian(0, 1), steps=5, resume=path, progress=False, device="cpu")


def test_divergence_stops_with_the_step_and_a_smaller_lr():
    G, D = _players()
    with pytest.raises(
        TrainingDiverged, match=r"diverged at step \d+.*smaller lr.*lr=1e\+09"
    ) as err:
        train(
            G, D, Gaussian(0, 1), steps=300, lr=1e10, optimizer="sgd", progress=False, device="cpu"
        )
    assert isinstance(err.value, ValueError)
    h = err.value.history  # nothing is lost: every step up to the bad one
    rows = torch.stack([h.d_loss, h.g_loss, h.d_real, h.d_fake, h.g_grad_norm], dim=1)
    assert not torch.isfinite(rows[-1]).all() and torch.isfinite(rows[:-1]).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 0}, r"k \(discriminator steps per generator step\) must be an int ≥ 1, got 0"),
        ({"steps": -1}, "steps must be an int ≥ 0, got -1"),
        ({"loss": "wasserstein"}, "unknown loss='wasserstein'"),
        ({"optimizer": "rmsprop"}, "unknown optimizer='rmsprop'"),
        ({"lr": 0.0}, "lr must be a finite number > 0, got 0.0"),
        ({"batch_size": 0}, "batch_size must be an int ≥ 1"),
        (
            {"data": Gaussian(0, 1).sample(10).flatten()},
            r"shape \(N, 1\).*got \(10,\).*x\[:, None\]",
        ),
        ({"data": torch.zeros(10, 3)}, r"shape \(N, 1\) to match G and D, got \(10, 3\)"),
        ({"data": ring(8)}, "data has dimension 2 but G and D work in dimension 1"),
        ({"data": torch.tensor([[0.0], [math.inf]])}, "finite"),
        (
            {"data": Gaussian(0, 1).sample(10), "batch_size": 64},
            "batch_size=64 is larger than the 10 examples",
        ),
        ({"data": [1.0, 2.0]}, "ganlib distribution .* or a tensor"),
        ({"device": "tpu"}, "device='tpu'"),
        ({"schedule": "cosine"}, "unknown schedule='cosine'; choose one of"),
        ({"schedule": "paper", "optimizer": "adam"}, "SGD schedule; got optimizer='adam'"),
    ],
)
def test_bad_input_is_named(kwargs, match):
    G, D = _players()
    kwargs = {"data": Gaussian(0, 1), "steps": 1, "progress": False, **kwargs}
    data = kwargs.pop("data")
    with pytest.raises(ValueError, match=match):
        train(G, D, data, **kwargs)


def test_mismatched_players_are_named():
    G = Generator(2, 3)
    with pytest.raises(ValueError, match="G makes samples of dimension 3 but D reads dimension 1"):
        train(G, Discriminator(1), Gaussian(0, 1), steps=1, progress=False)


def test_fit_discriminator_approaches_d_star():
    p_data, p_g = Gaussian(0.0, 1.0), Gaussian(1.5, 0.8)
    torch.manual_seed(0)
    D = Discriminator(1, hidden=(64, 64))
    losses = fit_discriminator(D, p_data, p_g, steps=2000, batch_size=512, seed=0, device="cpu")
    assert losses.shape == (2000,)
    lo, hi = high_mass_interval(p_data, p_g)
    x = torch.linspace(lo, hi, 500)
    with torch.no_grad():
        d = torch.sigmoid(D(x[:, None])).double()
    d_star = optimal_discriminator(p_data.log_prob(x).exp(), p_g.log_prob(x).exp())
    # Seeds 0-4, natively and on OTHER_CPU: gap 0.010-0.012, |−V − (−C)| 0.0001-0.0053.
    assert (d - d_star).abs().max() < 0.05
    # −V on the last minibatches approaches −C(G): D is (nearly) optimal.
    assert abs(-losses[-500:].mean().item() - virtual_criterion(p_data, p_g)) < 0.02


def test_fit_discriminator_against_a_frozen_generator_leaves_it_alone():
    G, D = _players()
    before = _params(G)
    fit_discriminator(D, Gaussian(0, 1), G, steps=20, device="cpu")
    assert torch.equal(before, _params(G))
    with pytest.raises(ValueError, match="dimension 2 but D reads dimension 1"):
        fit_discriminator(D, Gaussian(0, 1), Generator(2, 2), steps=1)
    with pytest.raises(ValueError, match="steps must be an int ≥ 0"):
        fit_discriminator(D, Gaussian(0, 1), G, steps=-3)


def test_history_records_the_gradient_reaching_g():
    G, D = _players()
    h = train(G, D, Gaussian(3, 1), steps=10, progress=False, device="cpu")
    assert (h.g_grad_norm > 0).all() and torch.isfinite(h.g_grad_norm).all()


def test_training_works_inside_no_grad():
    G, D = _players()
    with torch.no_grad():
        assert len(train(G, D, Gaussian(0, 1), steps=3, progress=False, device="cpu")) == 3
        assert fit_discriminator(
            D, Gaussian(0, 1), Gaussian(1, 1), steps=3, device="cpu"
        ).shape == (3,)


def test_a_seed_leaves_the_callers_random_state_alone():
    G, D = _players()
    torch.manual_seed(123)
    before = torch.get_rng_state()
    train(G, D, Gaussian(0, 1), steps=5, seed=7, progress=False, device="cpu")
    fit_discriminator(D, Gaussian(0, 1), G, steps=5, seed=7, device="cpu")
    assert torch.equal(before, torch.get_rng_state())
    with pytest.raises(ValueError, match="seed must be None or an int ≥ 0, got -1"):
        train(G, D, Gaussian(0, 1), steps=1, seed=-1, progress=False)
    with pytest.raises(ValueError, match="seed must be None or an int ≥ 0, got 'a'"):
        fit_discriminator(D, Gaussian(0, 1), G, steps=1, seed="a")


def test_small_models_train_on_one_thread_and_the_callers_setting_returns():
    callers = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        _check_thread_policy()
    finally:
        torch.set_num_threads(callers)


def _check_thread_policy():
    seen = []

    def spy(step, G_, D_):
        seen.append(torch.get_num_threads())

    G, D = _players()  # ~1,200 parameters × batch 256: small
    train(G, D, Gaussian(0, 1), steps=3, progress=False, device="cpu", callback=spy)
    assert seen == [1, 1, 1] and torch.get_num_threads() == 2
    big_g, big_d = Generator(100, 784, hidden=(512,)), Discriminator(784, hidden=(512,))
    seen.clear()
    train(
        big_g,
        big_d,
        torch.rand(128, 784),
        steps=2,
        batch_size=64,
        progress=False,
        device="cpu",
        callback=spy,
    )
    assert seen == [2, 2] and torch.get_num_threads() == 2


def test_paper_schedule_is_the_original_codes():
    from ganlib.optimizers import paper_schedule

    # mnist.yaml: lr 0.1 / 1.000004 per update (floor 1e-6); momentum 0.5 at epoch 1 → 0.7 at 250.
    assert paper_schedule(0, 0.1, 50_000, 100) == (0.1, 0.5)
    lr, momentum = paper_schedule(500 * 125, 0.1, 50_000, 100)  # epoch 125 of MNIST
    assert lr == pytest.approx(0.1 / 1.000004 ** (500 * 125)) and momentum == pytest.approx(
        0.5 + 0.2 * 124 / 249
    )
    assert paper_schedule(500 * 250, 0.1, 50_000, 100)[1] == pytest.approx(0.7)
    assert paper_schedule(500 * 1000, 0.1, 50_000, 100)[1] == pytest.approx(0.7)
    assert paper_schedule(10**8, 0.1, 50_000, 100)[0] == 1e-6


def _mnist_yaml_schedule(step, lr, examples, batch):
    # goodfeli/adversarial's mnist.yaml, written out: lr / 1.000004 per update down to 1e-6;
    # momentum 0.5 until epoch 1, then linearly to 0.7 at epoch 250, then 0.7.
    epoch = step * batch / examples
    momentum = 0.5 + 0.2 * min(max(epoch - 1, 0) / 249, 1)
    return max(lr / 1.000004**step, 1e-6), momentum


def _hand_loop_with_paper_schedule(data, steps, batch, lr, seed, g_lr=None):
    # Algorithm 1 by hand, with the paper's costs from the logits: −V for D, −log D(G(z)) for G.
    G, D = _players()
    threads = torch.get_num_threads()
    # ganlib trains models this small on one thread; so must the reference, or a matrix product
    # may be summed in another order on some CPUs and differ in the last bit.
    torch.set_num_threads(1)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        opt_g = torch.optim.SGD(G.parameters(), lr=lr, momentum=0.5)
        opt_d = torch.optim.SGD(D.parameters(), lr=lr, momentum=0.5)
        perm, cursor = None, len(data)
        for step in range(steps):
            for opt, start in ((opt_d, lr), (opt_g, lr if g_lr is None else g_lr)):
                for group in opt.param_groups:
                    group["lr"], group["momentum"] = _mnist_yaml_schedule(
                        step, start, len(data), batch
                    )
            with torch.no_grad():
                fake = G(G.sample_latent(batch))
            if cursor + batch > len(data):
                perm, cursor = torch.randperm(len(data)), 0
            x = data[perm[cursor : cursor + batch]]
            cursor += batch
            real_logits, fake_logits = D(torch.cat((x, fake))).split(batch)  # one pass of D
            d_loss = -(F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean())
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            D.requires_grad_(False)
            g_loss = -F.logsigmoid(D(G.sample(batch))).mean()
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            D.requires_grad_(True)
    torch.set_num_threads(threads)
    return G, D


def test_train_follows_the_paper_schedule_step_by_step():
    # 60 examples in batches of 30: 2 steps an epoch, so 200 steps ramp momentum to 0.58.
    data = torch.rand(60, 1)
    kw = {"steps": 200, "batch_size": 30, "lr": 0.2, "seed": 3, "device": "cpu", "progress": False}
    G, D = _players()
    train(G, D, data, schedule="paper", **kw)
    G_const, D_const = _players()
    train(G_const, D_const, data, **kw)
    G_hand, D_hand = _hand_loop_with_paper_schedule(data, 200, 30, 0.2, 3)
    assert torch.allclose(_params(G, D), _params(G_hand, D_hand), atol=1e-6)
    assert not torch.allclose(_params(G_const, D_const), _params(G_hand, D_hand), atol=1e-4)


def test_the_progress_bar_redraws_at_most_twice_a_second(capsys):
    # In a notebook the bar is a widget and each redraw a message to the browser: hundreds a
    # second flooded the kernel. tqdm's own default (0.1 s) would redraw about 10 times a second.
    def pace(*_):  # at least 1.5 s in all, on any machine
        time.sleep(0.001)

    G, D = _players()
    start = time.perf_counter()
    train(G, D, Gaussian(0, 1), steps=1500, batch_size=64, callback=pace, device="cpu")
    seconds = time.perf_counter() - start
    redraws = capsys.readouterr().err.count("\r")
    assert redraws <= seconds / 0.5 + 3, (redraws, seconds)


def test_g_lr_gives_g_its_own_learning_rate():
    # Two timescales: G's lr follows the paper's schedule from its own start, D's from lr.
    data = torch.rand(60, 1)
    kw = {"steps": 100, "batch_size": 30, "lr": 0.2, "seed": 3, "device": "cpu", "progress": False}
    G, D = _players()
    train(G, D, data, schedule="paper", g_lr=0.04, **kw)
    G_hand, D_hand = _hand_loop_with_paper_schedule(data, 100, 30, 0.2, 3, g_lr=0.04)
    assert torch.allclose(_params(G, D), _params(G_hand, D_hand), atol=1e-6)
    G_one, D_one = _hand_loop_with_paper_schedule(data, 100, 30, 0.2, 3)
    assert not torch.allclose(_params(G_one, D_one), _params(G_hand, D_hand), atol=1e-4)


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), True, "0.1"])
def test_bad_g_lr_is_named(bad):
    G, D = _players()
    with pytest.raises(ValueError, match=r"g_lr must be a finite number > 0"):
        train(G, D, torch.rand(60, 1), steps=1, g_lr=bad, progress=False, device="cpu")


def test_resume_refuses_another_g_lr(tmp_path):
    path = tmp_path / "run.pt"
    G, D = _players()
    kw = {"steps": 4, "batch_size": 30, "progress": False, "device": "cpu"}
    train(G, D, torch.rand(60, 1), checkpoint=path, **kw)
    with pytest.raises(ValueError, match=r"other settings.*g_lr"):
        train(G, D, torch.rand(60, 1), resume=path, g_lr=0.01, **{**kw, "steps": 8})


def test_a_checkpoint_from_before_g_lr_resumes(tmp_path):
    # Files written before Settings had g_lr hold no such key: G's lr was D's, and still is.
    path = tmp_path / "old.pt"
    G, D = _players()
    kw = {"batch_size": 30, "progress": False, "device": "cpu", "seed": 1}
    train(G, D, torch.rand(60, 1), steps=4, checkpoint=path, **kw)
    state = torch.load(path, weights_only=False)
    del state["config"]["g_lr"]
    torch.save(state, path)
    history = train(G, D, torch.rand(60, 1), steps=8, resume=path, **kw)
    assert len(history) == 8


def _players_params(G, D):
    return [*G.parameters(), *D.parameters()]


def _adversary_cost2(w, b, u, c, x, zs, lr, momentum, steps):
    """A port of goodfeli/adversarial's AdversaryCost2 update (scale_grads=0) with pylearn2's
    Momentum rule, in numpy, for G(z) = w z + b and D(x) = σ(u x + c): d_obj = ½(BCE(1, D(x)) +
    BCE(0, D(G(z)))), g_obj = BCE(1, D(G(z))), both gradients at the current parameters, then
    v ← μ v − lr·∇ and θ ← θ + v for every parameter at once."""
    import numpy as np
    from scipy.special import expit

    theta, v = np.array([w, b, u, c]), np.zeros(4)
    for z in zs:
        w, b, u, c = theta
        f = w * z + b
        s_real, s_fake = expit(u * x + c), expit(u * f + c)
        d_u = 0.5 * (np.mean(-(1 - s_real) * x) + np.mean(s_fake * f))
        d_c = 0.5 * (np.mean(-(1 - s_real)) + np.mean(s_fake))
        g_w, g_b = np.mean(-(1 - s_fake) * u * z), np.mean(-(1 - s_fake) * u)
        v = momentum * v - lr * np.array([g_w, g_b, d_u, d_c])
        theta = theta + v
    return theta


def test_the_released_update_is_adversary_cost2s():
    """update="released" against a hand-written port of the released code's update: the same
    parameters after 4 steps (float64), and not Algorithm 1's alternating ones."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        gen = torch.Generator().manual_seed(3)
        x = 1.5 + 0.5 * torch.randn(32, 1, generator=gen)
        zs = [torch.rand(32, 1, generator=gen) * 2 - 1 for _ in range(4)]
        start, lr = (0.8, -0.3, 0.6, 0.1), 0.2
        port = _adversary_cost2(*start, x[:, 0].numpy(), [z[:, 0].numpy() for z in zs], lr, 0.5, 4)
        found = {}
        for update in ("released", "algorithm1"):
            G, D = Generator(1, 1, hidden=()), Discriminator(1, hidden=())  # w z + b, u x + c
            with torch.no_grad():
                for p, value in zip(_players_params(G, D), start, strict=True):
                    p.fill_(value)
            replay = [z.clone() for z in zs] * 2  # (Algorithm 1 draws z twice per step)
            G.sample_latent = lambda m, replay=replay: replay.pop(0)  # the port's noise
            # One minibatch of all 32 examples: each step's D sees the same x, in any order.
            train(G, D, x, steps=4, batch_size=32, lr=lr, update=update, progress=False,
                  device="cpu", seed=0)  # fmt: skip
            found[update] = _params(G, D).numpy()
    finally:
        torch.set_default_dtype(default)
    assert abs(found["released"] - port).max() < 1e-12, (found["released"], port)
    assert abs(found["algorithm1"] - port).max() > 1e-3  # the box's update is another one


def test_the_released_update_has_no_k():
    with pytest.raises(ValueError, match="k=3"):
        Settings(update="released", k=3)
    with pytest.raises(ValueError, match="unknown update='adversarial'"):
        Settings(update="adversarial")
