import math

import matplotlib
import pytest
import torch

from ganlib import Discriminator, Gaussian, Generator, Snapshots, animate_figure1, figure1, train

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _affine_generator():
    """x = 2z + 1 with z ~ N(0, 1), so p_g = N(1, 2²) exactly: relu(z) − relu(−z) = z."""
    G = Generator(1, 1, hidden=(2,), noise="gaussian")
    with torch.no_grad():
        first, last = G.net[0], G.net[2]
        first.weight.copy_(torch.tensor([[1.0], [-1.0]]))
        first.bias.zero_()
        last.weight.copy_(torch.tensor([[2.0, -2.0]]))
        last.bias.fill_(1.0)
    return G


def test_figure1_draws_the_true_curves():
    G, D, p_data = _affine_generator(), Discriminator(1, hidden=(8,)), Gaussian(4.0, 1.0)
    fig, ax = plt.subplots()
    curves = figure1(ax, p_data, G, D, x_range=(-6.0, 9.0), n_arrows=7, n_samples=50_000)
    true_p_g = torch.exp(-0.5 * ((curves.x - 1) / 2) ** 2) / (2 * math.sqrt(2 * math.pi))
    assert (curves.p_g - true_p_g).abs().max() < 0.01  # the kernel estimate of p_g
    assert abs(torch.trapezoid(curves.p_g, curves.x).item() - 1) < 0.02
    true_p_data = torch.exp(-0.5 * (curves.x - 4) ** 2) / math.sqrt(2 * math.pi)
    torch.testing.assert_close(curves.p_data, true_p_data, rtol=1e-5, atol=1e-7)
    with torch.no_grad():
        d = torch.sigmoid(D(curves.x[:, None].float())).double()
    torch.testing.assert_close(curves.d, d)
    torch.testing.assert_close(curves.g_of_z, 2 * curves.z + 1, rtol=1e-5, atol=1e-5)
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(curves.z) == len(arrows) == 7
    assert {line.get_label() for line in ax.get_lines()} >= {"$p_{data}$", "$p_g$", "$D(x)$"}
    plt.close(fig)


def test_figure1_after_a_short_run_of_algorithm_1():
    torch.manual_seed(0)
    G, D = Generator(1, 1, hidden=(16,)), Discriminator(1, hidden=(16,))
    train(G, D, Gaussian(2.0, 0.5), steps=50, progress=False, device="cpu")
    fig, ax = plt.subplots()
    curves = figure1(ax, Gaussian(2.0, 0.5), G, D)  # default range: the mass of both
    assert curves.x[0] < 2.0 - 1.5 < 2.0 + 1.5 < curves.x[-1]
    assert ((curves.d > 0) & (curves.d < 1)).all() and len(curves.z) == 15
    plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"G": Generator(4, 1)}, "arrows x = G\\(z\\) need a 1-D z.*latent_dim=4.*n_arrows=0"),
        ({"G": Generator(1, 2)}, "one-dimensional"),
        ({"p_data": Gaussian(0, 1).means}, "1-D ganlib distribution"),
        ({"n_arrows": -1}, "n_arrows must be an int ≥ 0, got -1"),
    ],
)
def test_figure1_names_bad_input(kwargs, match):
    args = {"p_data": Gaussian(0, 1), "G": Generator(1, 1), "D": Discriminator(1)} | kwargs
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=match):
        figure1(ax, args.pop("p_data"), args.pop("G"), args.pop("D"), **args)
    plt.close(fig)


def test_snapshots_keep_copies_every_n_steps_and_animate():
    torch.manual_seed(0)
    G, D = Generator(1, 1, hidden=(8,)), Discriminator(1, hidden=(8,))
    snapshots = Snapshots(every=10, initial=(G, D))
    train(G, D, Gaussian(2.0, 0.5), steps=30, progress=False, device="cpu", callback=snapshots)
    assert [s.step for s in snapshots] == [0, 10, 20, 30]
    last = snapshots.at(30)
    for kept, live in zip(last.G.parameters(), G.parameters(), strict=True):
        assert torch.equal(kept, live)  # the copy at the end is the trained G ...
    assert not torch.equal(snapshots.at(0).G.net[0].weight, G.net[0].weight)  # ... not step 0
    assert last.G is not G and last.D is not D  # copies, which later training cannot change
    with pytest.raises(ValueError, match="no snapshot at step 5"):
        snapshots.at(5)
    with pytest.raises(ValueError, match="every must be an int ≥ 1"):
        Snapshots(every=0)

    fig, ax = plt.subplots()
    animation = animate_figure1(ax, Gaussian(2.0, 0.5), snapshots, n_arrows=3, n_samples=500)
    html = animation.to_jshtml()
    assert html.count("data:image/png;base64") == len(snapshots)  # one frame per snapshot
    assert ax.get_title() == "after 30 steps of Algorithm 1"
    plt.close(fig)
    with pytest.raises(ValueError, match="snapshots is empty"):
        animate_figure1(ax, Gaussian(2.0, 0.5), Snapshots(every=1))


def test_explorer_animation_traces_what_explore_returns_frame_by_frame():
    from ganlib.figures import explorer_animation

    calls = []

    def explore(mu, sigma, ax):
        calls.append((mu, sigma))
        ax.plot([mu - sigma, mu + sigma], [0, 1])
        return {"mean": mu, "width": 2 * sigma}

    path = [(0.0, 1.0), (1.0, 0.5), (2.0, 0.25)]
    html, traced = explorer_animation(explore, path, x=[10, 20, 30], lines={"zero": 0.0})
    assert traced == {"mean": [0.0, 1.0, 2.0], "width": [2.0, 1.0, 0.5]}
    assert set(calls) == set(path)  # each frame drawn with its own arguments
    assert html.count("data:image/png;base64") == 3 and "new Animation(" in html
    _, single = explorer_animation(lambda v, ax: v * v, [(1.0,), (3.0,)], ylabel="square")
    assert single == {"square": [1.0, 9.0]}  # a plain number is one curve named by ylabel


@pytest.mark.parametrize(
    ("path", "x", "match"),
    [([], None, "path is empty"), ([(1.0,), (2.0,)], [0.0], "x has 1 values for 2 frames")],
)
def test_explorer_animation_names_bad_input(path, x, match):
    from ganlib.figures import explorer_animation

    with pytest.raises(ValueError, match=match):
        explorer_animation(lambda v, ax: v, path, x=x)
