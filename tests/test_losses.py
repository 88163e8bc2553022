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
    # Maximum likelihood (Goodfellow, 2016, §3.2.4, without its ½): ∂/∂a −eᵃ = −D/(1 − D).
    (g_ml,) = torch.autograd.grad(generator_loss(a, "maximum_likelihood") * len(a), a)
    torch.testing.assert_close(g_ml, -d / (1 - d))


def test_maximum_likelihood_cost_matches_the_naive_formula():
    fake = torch.randn(25, dtype=torch.float64) * 3
    d = fake.sigmoid()
    naive = -(d / (1 - d)).mean().item()  # −E exp(σ⁻¹(D))
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


def _expected_gradient(kind, theta, sigma=1.25, mu_data=0.0, sigma_data=1.0, n=200_000):
    """d/dθ E_z[J(D*(θ + σz))] with D* frozen at θ: the gradient G receives from an optimal D.

    z runs over n stratified quantiles of N(0, 1), so the expectation is deterministic.
    """
    z = torch.special.ndtri((torch.arange(n, dtype=torch.float64) + 0.5) / n)
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    x = t + sigma * z
    normal = torch.distributions.Normal
    # D*'s logit log p_data − log p_g, with p_g's parameters frozen at θ (D is not G's to move).
    logit = normal(mu_data, sigma_data).log_prob(x) - normal(theta, sigma).log_prob(x)
    (grad,) = torch.autograd.grad(generator_loss(logit, kind), t)
    return grad.item()


def test_maximum_likelihood_cost_follows_the_kl_gradient_at_d_star():
    # Goodfellow (2016) §3.2.4: with D = D*, E[∇ −exp(σ⁻¹(D(G(z))))] = ∇ KL(p_data ‖ p_g).
    # For p_data = N(0, 1), p_g = N(θ, σ²): KL(p_data ‖ p_g) = log σ + (1 + θ²)/(2σ²) − ½.
    # (σ = 1.25 > 1 keeps p_data/p_g bounded in the tails, which the quantiles then cover.)
    for theta in (-1.0, 0.5, 2.0):
        assert _expected_gradient("maximum_likelihood", theta) == pytest.approx(
            theta / 1.25**2, rel=1e-4
        )


def test_nonsaturating_cost_follows_kl_minus_twice_jsd_at_d_star():
    # With D = D*, E[∇ −log D(G(z))] = ∇ [KL(p_g ‖ p_data) − 2 JSD(p_data ‖ p_g)]: not zero-sum.
    # KL(N(θ, σ²) ‖ N(0, 1)) = −log σ + (σ² + θ²)/2 − ½ has gradient θ; the JSD comes from
    # scipy's adaptive quadrature and a central difference.
    import scipy.integrate as si
    import scipy.stats as st

    def jsd(theta, sigma=1.25):
        def f(x):
            p, q = st.norm.pdf(x, 0, 1), st.norm.pdf(x, theta, sigma)
            m = (p + q) / 2
            return sum(0.5 * v * math.log(v / m) for v in (p, q) if v > 0)

        return si.quad(f, -15 + theta, 15 + theta, epsabs=1e-13, epsrel=1e-12, limit=400)[0]

    h = 1e-4
    for theta in (-1.0, 0.5, 2.0):
        expected = theta - 2 * (jsd(theta + h) - jsd(theta - h)) / (2 * h)
        assert _expected_gradient("nonsaturating", theta) == pytest.approx(expected, rel=1e-4)
