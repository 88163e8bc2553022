import math

import pytest
import torch

from ganlib import discriminator_loss, generator_loss, value_function


def _naive_v(real_logits, fake_logits):
    d_real = [1 / (1 + math.exp(-a)) for a in real_logits.tolist()]
    d_fake = [1 / (1 + math.exp(-a)) for a in fake_logits.tolist()]
    return sum(math.log(d) for d in d_real) / len(d_real) + sum(
        math.log(1 - d) for d in d_fake
    ) / len(d_fake)


def test_discriminator_loss_is_minus_v():
    real, fake = torch.randn(40, dtype=torch.float64) * 3, torch.randn(30, dtype=torch.float64) * 3
    assert abs(discriminator_loss(real, fake).item() + _naive_v(real, fake)) < 1e-12
    assert (
        abs(discriminator_loss(real, fake).item() + value_function(real.sigmoid(), fake.sigmoid()))
        < 1e-12
    )


def test_generator_losses_match_the_naive_formulas():
    fake = torch.randn(25, dtype=torch.float64) * 3
    d = fake.sigmoid()
    assert abs(generator_loss(fake, "minimax").item() - torch.log(1 - d).mean().item()) < 1e-12
    assert abs(generator_loss(fake, "nonsaturating").item() + torch.log(d).mean().item()) < 1e-12
    assert torch.equal(generator_loss(fake), generator_loss(fake, "nonsaturating"))  # the default


def test_losses_stay_finite_at_logit_100():
    big = torch.tensor([100.0, -100.0])
    for value in (
        discriminator_loss(big, big),
        generator_loss(big, "minimax"),
        generator_loss(big),
    ):
        assert torch.isfinite(value)
    # A perfect D costs nothing: exactly log σ(100) ≈ −3.7e-44 in each term.
    assert discriminator_loss(torch.tensor([100.0]), torch.tensor([-100.0])).item() < 1e-30
    # And the costs of a fooled D are the logit itself, not inf.
    assert generator_loss(torch.tensor([-100.0])).item() == pytest.approx(100.0)


def test_saturation_gradients_by_autograd():
    # ∂/∂a log(1 − σ(a)) = −σ(a) = −D and ∂/∂a −log σ(a) = −(1 − D)  (Section 3).
    a = torch.linspace(-20, 5, 26, dtype=torch.float64, requires_grad=True)
    (g_mm,) = torch.autograd.grad(generator_loss(a, "minimax") * len(a), a)
    (g_ns,) = torch.autograd.grad(generator_loss(a, "nonsaturating") * len(a), a)
    d = a.detach().sigmoid()
    torch.testing.assert_close(g_mm, -d)
    torch.testing.assert_close(g_ns, -(1 - d))
    assert abs(g_mm[0].item()) < 1e-8 and abs(g_ns[0].item() + 1) < 1e-8  # D ≈ 0: vanishes vs. −1
    # Maximum likelihood (Goodfellow, 2016): ∂/∂a −½ eᵃ = −½ D/(1 − D).
    (g_ml,) = torch.autograd.grad(generator_loss(a, "maximum_likelihood") * len(a), a)
    torch.testing.assert_close(g_ml, -0.5 * d / (1 - d))


def test_maximum_likelihood_cost_matches_the_naive_formula():
    fake = torch.randn(25, dtype=torch.float64) * 3
    d = fake.sigmoid()
    naive = -0.5 * (d / (1 - d)).mean().item()  # −½ E exp(σ⁻¹(D))
    assert abs(generator_loss(fake, "maximum_likelihood").item() - naive) < 1e-9
    assert torch.isfinite(
        generator_loss(torch.tensor([100.0, -100.0], dtype=torch.float64), "maximum_likelihood")
    )


def test_column_logits_are_accepted():
    a = torch.randn(10, 1)
    assert torch.equal(generator_loss(a), generator_loss(a[:, 0]))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: generator_loss(torch.zeros(3), "wasserstein"),
            "unknown generator loss kind='wasserstein'",
        ),
        (
            lambda: discriminator_loss(torch.zeros(3, 2), torch.zeros(3)),
            r"shape \(n,\) or \(n, 1\)",
        ),
        (lambda: discriminator_loss(torch.zeros(0), torch.zeros(3)), "empty"),
        (lambda: generator_loss([0.1, 0.2]), "tensor"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
