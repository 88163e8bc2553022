import math

import pytest
import torch

from ganlib import Discriminator, Generator, paper_networks
from ganlib.models import Dropout, Maxout


def test_paper_mnist_networks_are_reachable():
    G = Generator(100, 784, hidden=(1200, 1200), noise="uniform", out_activation="sigmoid")
    D = Discriminator(784, hidden=(240, 240), maxout_pieces=5, dropout=0.5, input_dropout=0.2)
    x = G.sample(8)
    assert x.shape == (8, 784) and x.min() >= 0 and x.max() <= 1
    assert D(x).shape == (8,)
    linear = [m for m in G.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linear] == [1200, 1200, 784]
    maxouts = [m for m in D.modules() if isinstance(m, Maxout)]
    assert [(m.out_features, m.pieces) for m in maxouts] == [(240, 5), (240, 5)]
    drops = [m.p for m in D.modules() if isinstance(m, torch.nn.Dropout)]
    assert drops == [0.2, 0.5, 0.5]


def test_paper_networks_have_mnist_yaml_widths_unless_narrowed():
    G, D = paper_networks(784)  # mnist.yaml: G 1200-1200, D maxout 240 x 5, twice
    assert [m.out_features for m in G.modules() if isinstance(m, torch.nn.Linear)] == [
        1200,
        1200,
        784,
    ]
    assert [(m.out_features, m.pieces) for m in D.modules() if isinstance(m, Maxout)] == [
        (240, 5)
    ] * 2
    G, D = paper_networks(64, g_width=256, d_width=64)  # chapter 7's digits
    assert [m.out_features for m in G.modules() if isinstance(m, torch.nn.Linear)] == [256, 256, 64]
    assert [(m.out_features, m.pieces) for m in D.modules() if isinstance(m, Maxout)] == [
        (64, 5)
    ] * 2
    assert [m.p for m in D.modules() if isinstance(m, torch.nn.Dropout)] == [0.2, 0.5, 0.5]
    for name in ("g_width", "d_width"):
        with pytest.raises(ValueError, match=f"{name} must be an int ≥ 1, got 0"):
            paper_networks(64, **{name: 0})
    with pytest.raises(TypeError):  # widths by name only: a positional 50 would be ambiguous
        paper_networks(784, 1200, 50)


def test_uniform_prior_has_unit_variance_on_the_paper_interval():
    z = Generator(100, 2).sample_latent(20_000)
    assert z.abs().max() <= math.sqrt(3)
    assert abs(z.var().item() - 1) < 0.02
    zg = Generator(3, 2, noise="gaussian").sample_latent(20_000)
    assert abs(zg.var().item() - 1) < 0.02 and zg.abs().max() > math.sqrt(3)


def test_maxout_is_the_max_of_its_pieces():
    m = Maxout(3, 2, pieces=4)
    x = torch.randn(5, 3)
    pieces = (x @ m.linear.weight.T + m.linear.bias).view(5, 2, 4)
    torch.testing.assert_close(m(x), pieces.max(-1).values)


def test_maxout_gradient_reaches_only_the_largest_piece():
    m = Maxout(3, 2, pieces=4)
    x = torch.randn(5, 3)
    m(x).sum().backward()
    # By hand: d(sum of maxima)/dW_jk sums x over the rows where piece k wins unit j, and
    # d/db_jk counts those rows.
    with torch.no_grad():
        winner = (x @ m.linear.weight.T + m.linear.bias).view(5, 2, 4).argmax(-1)  # (5, 2)
    grad_w, grad_b = torch.zeros(2, 4, 3), torch.zeros(2, 4)
    for row in range(5):
        for unit in range(2):
            grad_w[unit, winner[row, unit]] += x[row]
            grad_b[unit, winner[row, unit]] += 1
    torch.testing.assert_close(m.linear.weight.grad, grad_w.view(8, 3))
    torch.testing.assert_close(m.linear.bias.grad, grad_b.view(8))


def test_dropout_keeps_each_unit_with_probability_1_minus_p_and_rescales():
    torch.manual_seed(0)
    h = torch.rand(1000, 1000) + 0.5  # no zeros, so a zero output is a dropped unit
    for p in (0.2, 0.5):
        out = Dropout(p)(h)
        kept = out != 0
        n = h.numel()
        # Binomial(n, 1 - p): the kept count within 5 standard deviations of n (1 - p)
        assert abs(kept.sum().item() - n * (1 - p)) < 5 * math.sqrt(n * p * (1 - p))
        torch.testing.assert_close(out[kept], h[kept] / (1 - p))
        # the masks of neighbouring units are independent: both kept with probability (1 - p)²
        both = (kept[:, 1:] & kept[:, :-1]).float().mean().item()
        assert abs(both - (1 - p) ** 2) < 5 * math.sqrt((1 - p) ** 2 / (n - 1000))
    h.requires_grad_(True)
    out = Dropout(0.5)(h)
    out.sum().backward()
    torch.testing.assert_close(h.grad, (out != 0).float() * 2)  # d out / d h = m / (1 - p)
    assert torch.equal(Dropout(0.5).eval()(h), h) and torch.equal(Dropout(0.0)(h), h)


def test_dropout_is_off_in_eval_mode():
    D = Discriminator(4, dropout=0.5, input_dropout=0.2).eval()
    x = torch.randn(6, 4)
    assert torch.equal(D(x), D(x))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Generator(0, 1), "latent_dim must be an int ≥ 1, got 0"),
        (lambda: Generator(2, 1, noise="normal"), "unknown noise='normal'"),
        (lambda: Generator(2, 1, out_activation="relu"), "unknown out_activation='relu'"),
        (lambda: Discriminator(2, maxout_pieces=1), "maxout_pieces"),
        (
            lambda: Discriminator(2, dropout=1.0),
            r"dropout is a drop probability in \[0, 1\), got 1.0",
        ),
        (lambda: Discriminator(2, hidden=(8, -1)), "hidden layer size"),
        (lambda: Discriminator(2)(torch.zeros(5, 3)), r"shape \(n, 2\), got \(5, 3\)"),
        (lambda: Discriminator(1)(torch.zeros(5)), r"x\[:, None\]"),
        (lambda: Generator(2, 1)(torch.zeros(5, 3)), r"latent codes z of shape \(n, 2\)"),
    ],
)
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()
