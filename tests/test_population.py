"""Populations: N GANs trained at once must be N independent runs of Algorithm 1."""

import copy

import pytest
import torch

from ganlib import (
    Discriminator,
    Gaussian,
    Generator,
    Population,
    fit_discriminator,
    minibatches,
    optimal_discriminator,
    population,
    ring,
    train,
)
from ganlib.divergence import TrainingDiverged


def _build(maxout=None, dropout=0.0):
    def build():
        G = Generator(3, 1, hidden=(16, 16))
        D = Discriminator(1, hidden=(16, 16), maxout_pieces=maxout, dropout=dropout)
        return G, D

    return build


def _flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_member_i_starts_as_the_single_model_built_with_seed_i():
    seeds = [3, 0, 11]
    G_pop, D_pop = population(_build(maxout=3), seeds)
    assert len(G_pop) == len(D_pop) == 3
    for i, s in enumerate(seeds):
        torch.manual_seed(s)
        G, D = _build(maxout=3)()
        assert torch.equal(_flat(G_pop.member(i)), _flat(G))
        assert torch.equal(_flat(D_pop.member(i)), _flat(D))
        assert type(G_pop.member(i)) is Generator and type(D_pop.member(i)) is Discriminator


def test_population_leaves_the_callers_random_state_alone():
    torch.manual_seed(5)
    before = torch.get_rng_state()
    population(_build(), [1, 2])
    assert torch.equal(before, torch.get_rng_state())


def test_one_batched_pass_equals_each_member_alone():
    G_pop, D_pop = population(_build(maxout=3), range(4))
    z = torch.randn(4, 50, 3)
    x = torch.randn(4, 50, 1)
    grid = torch.linspace(-3, 3, 7)[:, None]
    with torch.no_grad():
        for i in range(4):
            torch.testing.assert_close(G_pop(z)[i], G_pop.member(i)(z[i]))
            torch.testing.assert_close(D_pop(x)[i], D_pop.member(i)(x[i]))
            torch.testing.assert_close(D_pop(grid)[i], D_pop.member(i)(grid))  # one shared grid
    assert G_pop.sample(9).shape == (4, 9, 1) and D_pop(x).shape == (4, 50)


class _Replay:
    """Records what a population draws, then replays member i's draws to a single run."""

    def __init__(self, monkeypatch):
        self.noise, self.batches, self.monkeypatch = [], [], monkeypatch
        sample_latent, next_batch = Population.sample_latent, minibatches.Minibatches.next

        def record_noise(pop, n):
            z = sample_latent(pop, n)
            self.noise.append(z.clone())
            return z

        def record_batch(batches):
            x = next_batch(batches)
            self.batches.append(x.clone())
            return x

        monkeypatch.setattr(Population, "sample_latent", record_noise)
        monkeypatch.setattr(minibatches.Minibatches, "next", record_batch)

    def replay(self, G, i):
        noise, batches = iter([z[i] for z in self.noise]), iter([x[i] for x in self.batches])
        G.sample_latent = lambda n: next(noise)
        self.monkeypatch.setattr(minibatches.Minibatches, "next", lambda _: next(batches))


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"optimizer": "adam", "loss": "minimax", "k": 2},
        {"schedule": "paper", "lr": 0.02, "loss": "maximum_likelihood"},
    ],
    ids=["sgd-nonsaturating", "adam-minimax-k2", "paper-schedule-ml"],
)
def test_each_member_is_the_single_run_given_its_noise_and_minibatches(monkeypatch, settings):
    # The contract's test: one batched product per layer against N small ones, 50 steps. In
    # float64, so that float rounding (the products sum in another order) stays near 1e-15
    # instead of growing to 1e-5 over 50 steps as it does in float32.
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        _check_members_against_single_runs(monkeypatch, settings)
    finally:
        torch.set_default_dtype(default)


def _check_members_against_single_runs(monkeypatch, settings):
    seeds, data = [0, 1, 2], torch.randn(500, 1) * 1.25 + 4
    G_pop, D_pop = population(_build(maxout=3), seeds)
    recorder = _Replay(monkeypatch)
    kw = {"steps": 50, "batch_size": 64, "seed": 9, "progress": False, "device": "cpu"}
    pop_history = train(G_pop, D_pop, data, **settings, **kw)
    assert pop_history.d_loss.shape == (3, 50) and pop_history.g_grad_norm.shape == (3, 50)
    draws_per_step = settings.get("k", 1) + 1
    assert len(recorder.noise) == 50 * draws_per_step
    for i, s in enumerate(seeds):
        torch.manual_seed(s)
        G, D = _build(maxout=3)()
        recorder.replay(G, i)
        history = train(G, D, data, **settings, **kw)
        assert _flat(G).dtype == torch.float64
        torch.testing.assert_close(_flat(G_pop.member(i)), _flat(G), rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(_flat(D_pop.member(i)), _flat(D), rtol=1e-10, atol=1e-12)
        for name in ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm"):
            torch.testing.assert_close(
                getattr(pop_history, name)[i], getattr(history, name), rtol=1e-10, atol=1e-12
            )
        assert not torch.equal(_flat(G), _flat(G_pop.member((i + 1) % 3)))


def test_members_draw_their_own_noise_and_minibatches():
    # Three identical members: only their draws can set them apart.
    G_pop, D_pop = population(_build(), [4, 4, 4])
    start = _flat(G_pop.member(0))
    assert torch.equal(start, _flat(G_pop.member(2)))
    for data in (Gaussian(4.0, 1.0), torch.randn(300, 1)):
        G, D = copy.deepcopy(G_pop), copy.deepcopy(D_pop)
        train(G, D, data, steps=20, batch_size=32, seed=0, progress=False, device="cpu")
        finals = [_flat(G.member(i)) for i in range(3)]
        assert not torch.equal(finals[0], finals[1]) and not torch.equal(finals[1], finals[2])


def test_a_population_learns_a_gaussian_member_by_member():
    # Each member alone must do what a single run does (test_train's recipe, shorter).
    target = Gaussian(4.0, 1.25)
    G_pop, D_pop = population(
        lambda: (Generator(4, 1, hidden=(32, 32)), Discriminator(1, hidden=(32, 32))), range(4)
    )
    history = train(G_pop, D_pop, target, steps=3000, seed=0, progress=False, device="cpu")
    assert not history.diverged
    with torch.no_grad():
        x = G_pop.sample(20_000)[..., 0]
    assert ((x.mean(1) - 4.0).abs() < 0.3).all(), x.mean(1)
    assert ((x.std(1) - 1.25).abs() < 0.3).all(), x.std(1)


def test_dropout_and_maxout_populations_train_in_two_dimensions():
    G_pop, D_pop = population(
        lambda: (Generator(2, 2), Discriminator(2, maxout_pieces=2, dropout=0.5)), range(3)
    )
    history = train(G_pop, D_pop, ring(4), steps=30, batch_size=32, progress=False, device="cpu")
    assert history.d_loss.shape == (3, 30) and torch.isfinite(history.d_loss).all()


def test_a_diverging_member_is_frozen_and_named_and_the_others_go_on():
    torch.manual_seed(0)
    members = [_build()() for _ in range(3)]
    with torch.no_grad():  # member 1's D starts with enormous weights: its loss overflows
        for p in members[1][1].parameters():
            p.mul_(1e30)
    G_pop = Population([g for g, _ in members])
    D_pop = Population([d for _, d in members])
    seen = {}

    def spy(step, G, D):
        if step in (150, 250):
            seen[step] = _flat(G.member(1)), _flat(D.member(1))

    history = train(G_pop, D_pop, Gaussian(0, 1), steps=250, lr=0.05, seed=0, progress=False,
                    device="cpu", callback=spy)  # fmt: skip
    assert list(history.diverged) == [1]
    step = history.diverged[1]
    assert 1 <= step <= 100
    assert torch.isfinite(history.d_loss[[0, 2]]).all()  # the others trained on
    assert torch.isnan(history.d_loss[1, step - 1 :]).all()
    assert torch.isfinite(_flat(G_pop.member(1))).all()
    assert torch.equal(seen[150][0], seen[250][0]) and torch.equal(seen[150][1], seen[250][1])
    assert not torch.equal(_flat(G_pop.member(0)), _flat(members[0][0]))  # member 0 moved


def test_a_population_whose_every_member_diverges_raises():
    G_pop, D_pop = population(_build(), range(2))
    with pytest.raises(TrainingDiverged, match=r"every member of the population diverged"):
        train(G_pop, D_pop, Gaussian(0, 1), steps=300, lr=1e10, progress=False, device="cpu")


def test_population_resume_equals_an_uninterrupted_run(tmp_path):
    data = torch.randn(200, 1)
    kw = {"batch_size": 32, "optimizer": "adam", "progress": False, "device": "cpu"}
    G_a, D_a = population(_build(), range(3))
    G_b, D_b = copy.deepcopy(G_a), copy.deepcopy(D_a)
    full = train(G_a, D_a, data, steps=60, seed=2, **kw)
    path = tmp_path / "pop.pt"
    train(G_b, D_b, data, steps=25, seed=2, checkpoint=path, **kw)
    G_c, D_c = population(_build(), [7, 8, 9])  # other weights: the file must replace them
    resumed = train(G_c, D_c, data, steps=60, resume=path, **kw)
    assert torch.equal(_flat(G_a), _flat(G_c)) and torch.equal(_flat(D_a), _flat(D_c))
    assert torch.equal(full.g_grad_norm, resumed.g_grad_norm)
    G_small, D_small = population(_build(), range(2))
    with pytest.raises(ValueError, match="does not fit"):
        train(G_small, D_small, data, steps=60, resume=path, **kw)


def test_fit_discriminator_population_approaches_d_star_member_by_member():
    p_data, p_g = Gaussian(0.0, 1.0), Gaussian(1.0, 1.0)
    D_pop = population(lambda: Discriminator(1, hidden=(16,)), range(5))
    losses = fit_discriminator(D_pop, p_data, p_g, steps=600, batch_size=512, lr=1e-2,
                               optimizer="adam", seed=0, device="cpu")  # fmt: skip
    assert losses.shape == (5, 600)
    x = torch.linspace(-2, 3, 101)
    d_star = optimal_discriminator(p_data.log_prob(x).exp(), p_g.log_prob(x).exp())
    with torch.no_grad():
        gaps = (torch.sigmoid(D_pop(x[:, None])).double() - d_star).abs().amax(dim=1)
    assert (gaps < 0.05).all(), gaps
    G_pop = population(lambda: Generator(2, 1), range(5))
    assert fit_discriminator(D_pop, p_data, G_pop, steps=3, device="cpu").shape == (5, 3)
    one_g = Generator(2, 1)
    assert fit_discriminator(D_pop, p_data, one_g, steps=3, device="cpu").shape == (5, 3)


def test_fit_discriminator_marks_a_diverged_member_and_the_others_go_on():
    p_data, p_g = Gaussian(0.0, 1.0), Gaussian(1.0, 1.0)
    torch.manual_seed(0)
    healthy = [Discriminator(1, hidden=(8,)) for _ in range(3)]
    broken = copy.deepcopy(healthy)
    with torch.no_grad():  # member 1's logits overflow at once
        for p in broken[1].parameters():
            p.mul_(1e30)
    kw = {"steps": 40, "batch_size": 64, "lr": 0.05, "seed": 3, "device": "cpu"}
    D_ok, D_bad = Population(healthy), Population(broken)
    fit_discriminator(D_ok, p_data, p_g, **kw)
    losses = fit_discriminator(D_bad, p_data, p_g, **kw)
    assert torch.isnan(losses[1]).all()  # diverged at step 1: NaN from there on
    assert torch.isfinite(losses[[0, 2]]).all()
    for i in (0, 2):  # the same draws as the healthy run, and the same training: untouched
        assert torch.allclose(_flat(D_bad.member(i)), _flat(D_ok.member(i)), atol=1e-6)
    with torch.no_grad():  # and it is frozen where it was last checked: as it started
        assert torch.equal(_flat(D_bad.member(1)), _flat(broken[1]))
    with pytest.raises(TrainingDiverged, match=r"every member of the population diverged.*lr"):
        fit_discriminator(Population([broken[1], copy.deepcopy(broken[1])]), p_data, p_g, **kw)
    with pytest.raises(TrainingDiverged, match=r"diverged at step 1 \(d_loss=.*smaller lr") as err:
        fit_discriminator(copy.deepcopy(broken[1]), p_data, p_g, **kw)
    assert err.value.history.shape == (1,)  # the losses up to the bad step


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Population([]), "at least one member"),
        (lambda: population(_build(), []), "at least one seed"),
        (lambda: population(_build(), [-1]), "each seed must be an int ≥ 0, got -1"),
        (
            lambda: Population([Generator(1, 1), Discriminator(1)]),
            "must all be ganlib Generators or all",
        ),
        (lambda: Population([Generator(1, 1), Generator(1, 1, hidden=(8,))]), "member 1 is not"),
        (lambda: Population([torch.nn.Linear(1, 1)]), "ganlib Generators or all"),
    ],
)
def test_bad_populations_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unstackable_layers_are_named():
    D = Discriminator(1)
    D.net.insert(1, torch.nn.BatchNorm1d(64))
    with pytest.raises(ValueError, match=r"cannot stack layer 1 \(BatchNorm1d\)"):
        Population([D, copy.deepcopy(D)])


def test_mismatched_players_are_named():
    G_pop, D_pop = population(_build(), range(3))
    G_two, _ = population(_build(), range(2))
    one_g, _ = _build()()
    for G, D, match in (
        (G_two, D_pop, "populations of one size, got 2 and 3"),
        (one_g, D_pop, "got one model and 3"),
        (D_pop, G_pop, "D must be a ganlib Discriminator .* got a Population of Generators"),
    ):
        with pytest.raises(ValueError, match=match):
            train(G, D, Gaussian(0, 1), steps=1, progress=False)
    with pytest.raises(ValueError, match=r"expects samples x of shape \(3, n, 1\) or \(n, 1\)"):
        D_pop(torch.zeros(2, 5, 1))
    with pytest.raises(ValueError, match=r"member index must be an int in \[0, 3\), got 3"):
        G_pop.member(3)
