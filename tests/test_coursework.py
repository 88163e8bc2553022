"""ganlib.coursework: right answers pass, typical wrong ones fail with the message that names them."""

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganlib.coursework import (
    CheckFailed,
    check_discriminator_loss,
    check_generator_loss,
    check_jensen_shannon,
    check_optimal_discriminator,
    check_value_function,
)

# Right answers written the ways students write them (numpy, Python floats, torch).


def v_torch(d_real, d_fake):
    return torch.log(d_real).mean() + torch.log(1 - d_fake).mean()


def v_numpy(d_real, d_fake):
    return float(np.mean(np.log(d_real.numpy())) + np.mean(np.log(1 - d_fake.numpy())))


@pytest.mark.parametrize("v", [v_torch, v_numpy])
def test_value_function_right(v):
    assert "✓" in check_value_function(v)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda r, f: r.mean() + (1 - f).mean(), "did you forget the log"),
        (lambda r, f: -(r.log().mean() + (1 - f).log().mean()), "sign is flipped"),
        (lambda r, f: (1 - r).log().mean() + f.log().mean(), "terms are swapped"),
        (lambda r, f: r.log().sum() + (1 - f).log().sum(), "sum over the minibatch"),
        (lambda r, f: torch.cat([r.log(), (1 - f).log()]).mean(), "one mean over both"),
        (lambda r, f: r.log().mean() + f.log().mean(), "not log D(G(z))"),
    ],
)
def test_value_function_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=re.escape(message)):
        check_value_function(wrong)


def test_value_function_message_quotes_the_numbers():
    with pytest.raises(CheckFailed) as e:
        check_value_function(lambda r, f: r.mean() + (1 - f).mean())
    text = str(e.value)
    assert f"{-math.log(4):.4g}" in text and "yours is 1" in text and "D = ½" in text


def test_value_function_unknown_mistake_and_shapes():
    with pytest.raises(CheckFailed, match="matches none of the usual mistakes"):
        check_value_function(lambda r, f: r.log().mean() + (1 - f).log().mean() + 0.1)
    with pytest.raises(CheckFailed, match="one number"):
        check_value_function(lambda r, f: r.log() + 0 * f.sum())
    with pytest.raises(CheckFailed, match="forget `return`"):
        check_value_function(lambda r, f: None)
    with pytest.raises(NotImplementedError):  # an unfinished exercise fails as itself

        def unfinished(r, f):
            raise NotImplementedError

        check_value_function(unfinished)


def test_optimal_discriminator():
    assert "✓" in check_optimal_discriminator(lambda p, q: p / (p + q))
    for wrong, message in [
        (lambda p, q: q / (p + q), "1 − D"),
        (lambda p, q: p / q, "density ratio"),
        (lambda p, q: (p / (p + q)).mean() * torch.ones_like(p), "averages over the points"),
        (lambda p, q: p / (p + q).sum(), "not by a sum"),
        (lambda p, q: (p / (p + q))[:1], "shape"),
    ]:
        with pytest.raises(CheckFailed, match=re.escape(message)):
            check_optimal_discriminator(wrong)


@pytest.mark.parametrize("kind", ["minimax", "nonsaturating"])
def test_generator_loss_right(kind):
    right = {
        "minimax": lambda a: F.logsigmoid(-a).mean(),
        "nonsaturating": lambda a: F.softplus(-a).mean(),
    }
    assert "✓" in check_generator_loss(right[kind], kind)


@pytest.mark.parametrize(
    ("kind", "wrong", "message"),
    [
        ("minimax", lambda a: torch.log(1 - torch.sigmoid(a)).mean(), "rounds σ to exactly 0 or 1"),
        ("minimax", lambda a: torch.log(1 - a).mean(), "not the probability"),
        ("minimax", lambda a: -F.logsigmoid(-a).mean(), "sign is flipped"),
        ("minimax", lambda a: -F.logsigmoid(a).mean(), "that is the non-saturating cost"),
        ("minimax", lambda a: F.logsigmoid(-a).sum(), "sum over the minibatch"),
        ("nonsaturating", lambda a: -torch.log(torch.sigmoid(a)).mean(), "rounds σ"),
        ("nonsaturating", lambda a: -torch.log(a).mean(), "not the probability"),
        ("nonsaturating", lambda a: F.logsigmoid(a).mean(), "sign is flipped"),
        ("nonsaturating", lambda a: F.logsigmoid(-a).mean(), "that is the minimax cost"),
        ("nonsaturating", lambda a: -F.logsigmoid(-a).mean(), "a sign and a cost are mixed up"),
    ],
)
def test_generator_loss_mistakes(kind, wrong, message):
    with pytest.raises(CheckFailed, match=re.escape(message)):
        check_generator_loss(wrong, kind)


def test_generator_loss_bad_kind():
    with pytest.raises(ValueError, match=r"unknown kind=.wgan.*minimax"):
        check_generator_loss(lambda a: a.mean(), "wgan")


def test_discriminator_loss():
    assert "✓" in check_discriminator_loss(
        lambda ar, af: F.softplus(-ar).mean() + F.softplus(af).mean()
    )
    for wrong, message in [
        (lambda ar, af: F.logsigmoid(ar).mean() + F.logsigmoid(-af).mean(), "that is V itself"),
        (lambda ar, af: -(F.logsigmoid(-ar).mean() + F.logsigmoid(af).mean()), "swapped"),
        (
            lambda ar, af: -(torch.sigmoid(ar).log().mean() + (1 - torch.sigmoid(af)).log().mean()),
            "rounds to 0 or 1",
        ),
        (lambda ar, af: -(F.logsigmoid(ar).sum() + F.logsigmoid(-af).sum()), "sum over"),
        (lambda ar, af: -torch.cat([F.logsigmoid(ar), F.logsigmoid(-af)]).mean(), "one mean"),
    ]:
        with pytest.raises(CheckFailed, match=re.escape(message)):
            check_discriminator_loss(wrong)


def test_not_a_function():
    with pytest.raises(TypeError, match="no parentheses"):
        check_value_function(0.5)


def test_jensen_shannon():
    from scipy.spatial.distance import jensenshannon

    assert "✓" in check_jensen_shannon(lambda p, q: jensenshannon(p.numpy(), q.numpy()) ** 2)

    def naive(p, q):
        m = (p + q) / 2
        return 0.5 * (p * (p / m).log()).sum() + 0.5 * (q * (q / m).log()).sum()

    for wrong, message in [
        (lambda p, q: (p * (p / q).log()).sum(), "that is KL(p ‖ q)"),
        (lambda p, q: jensenshannon(p.numpy(), q.numpy(), base=2) ** 2, "in bits"),
        (lambda p, q: 2 * jensenshannon(p.numpy(), q.numpy()) ** 2, "twice the JSD"),
        (naive, "0 · log 0"),
        (lambda p, q: 0.0, "matches none"),
    ]:
        with pytest.raises(CheckFailed, match=re.escape(message)):
            check_jensen_shannon(wrong)


# --- A check fails when the student's function is, or only calls, ganlib's own implementation
# (issue 23, failure 1). Each of these passed the checks before the no-ganlib rule.

import functools  # noqa: E402

import ganlib  # noqa: E402
from ganlib.coursework import (  # noqa: E402
    check_mode_coverage,
    check_nearest,
    check_parzen,
    check_training_step,
)


@pytest.mark.parametrize(
    ("check", "answer", "name"),
    [
        (check_value_function, ganlib.value_function, "ganlib.theory.value_function"),
        (check_value_function, lambda r, f: ganlib.value_function(r, f), "value_function"),
        (check_optimal_discriminator, ganlib.optimal_discriminator, "optimal_discriminator"),
        (check_discriminator_loss, ganlib.discriminator_loss, "ganlib.losses.discriminator_loss"),
        (
            check_generator_loss,
            functools.partial(ganlib.generator_loss, kind="nonsaturating"),
            "ganlib.losses.generator_loss",
        ),
        (
            check_mode_coverage,
            lambda s, c, std: ganlib.mode_coverage(s, c, std),
            "ganlib.metrics.mode_coverage",
        ),
        (check_nearest, ganlib.images.nearest_neighbours, "ganlib.images.nearest_neighbours"),
        (
            check_parzen,
            lambda s, x, sig: ganlib.parzen_log_likelihood(s, x, sig, device="cpu"),
            "ganlib.metrics.parzen_log_likelihood",
        ),
    ],
)
def test_calling_ganlib_fails(check, answer, name):
    with pytest.raises(CheckFailed, match=re.escape(name)) as e:
        check(answer)
    assert "write it yourself" in str(e.value)


def test_helpers_from_outside_ganlib_are_fine():
    # torch and numpy are what the exercises are written with: only ganlib is off limits.
    assert "✓" in check_discriminator_loss(
        lambda ar, af: (
            F.binary_cross_entropy_with_logits(ar, torch.ones_like(ar))
            + F.binary_cross_entropy_with_logits(af, torch.zeros_like(af))
        )
    )


# --- Chapters 6-8: the visible checks name the mistake their messages describe (failure 5).


def coverage_right(samples, centers, std):
    d, nearest = torch.cdist(samples.double(), centers.double()).min(dim=1)
    good = d <= 3 * std
    return len(torch.unique(nearest[good])), good.double().mean().item()


def coverage_squared(samples, centers, std):
    d, nearest = torch.cdist(samples.double(), centers.double()).min(dim=1)
    good = d**2 <= 3 * std
    return len(torch.unique(nearest[good])), good.double().mean().item()


def coverage_every_sample_votes(samples, centers, std):
    d, nearest = torch.cdist(samples.double(), centers.double()).min(dim=1)
    return len(torch.unique(nearest)), (d <= 3 * std).double().mean().item()


def coverage_one_sigma(samples, centers, std):
    d, nearest = torch.cdist(samples.double(), centers.double()).min(dim=1)
    good = d <= std
    return len(torch.unique(nearest[good])), good.double().mean().item()


def coverage_over_modes(samples, centers, std):
    found, _ = coverage_right(samples, centers, std)
    return found, found / len(centers)


def test_mode_coverage_right():
    assert "✓" in check_mode_coverage(coverage_right)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (coverage_squared, "squared distance"),
        (coverage_every_sample_votes, "only high-quality samples"),
        (coverage_one_sigma, "the cutoff is σ"),
        (coverage_over_modes, "not of modes captured"),
    ],
)
def test_mode_coverage_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=re.escape(message)):
        check_mode_coverage(wrong)


def nearest_right(samples, train):
    return torch.cdist(samples.double(), train.double()).min(dim=1)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda s, t: (lambda d, i: (d**2, i))(*nearest_right(s, t)), "squared distances"),
        (lambda s, t: torch.cdist(s.double(), t.double()).max(dim=1), "farthest"),
        (lambda s, t: torch.cdist(s.double(), t.double()).min(dim=0), "not over the samples"),
        (lambda s, t: torch.cdist(s.float(), t.float()).min(dim=1), "float64"),
    ],
)
def test_nearest_mistakes(wrong, message):
    assert "✓" in check_nearest(nearest_right)
    with pytest.raises(CheckFailed, match=re.escape(message)):
        check_nearest(wrong)


def parzen_right(samples, x, sigma):
    n, d = samples.shape
    sq = torch.cdist(x.double(), samples.double()) ** 2
    log_k = -sq / (2 * sigma**2) - d / 2 * math.log(2 * math.pi * sigma**2)
    return torch.logsumexp(log_k, dim=1) - math.log(n)


def parzen_exp_then_log(samples, x, sigma):
    d = samples.shape[1]
    sq = torch.cdist(x.double(), samples.double()) ** 2
    k = torch.exp(-sq / (2 * sigma**2)) / (2 * math.pi * sigma**2) ** (d / 2)
    return torch.log(k.mean(dim=1))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (parzen_exp_then_log, "torch.logsumexp"),
        (lambda s, x, sig: parzen_right(s, x, sig) + math.log(len(s)), "subtract log n"),
        (
            lambda s, x, sig: (
                parzen_right(s, x, sig) + s.shape[1] / 2 * math.log(2 * math.pi * sig**2)
            ),
            "normalising constant",
        ),
        (lambda s, x, sig: parzen_right(s, x, sig).mean(), "shape (1,)"),
    ],
)
def test_parzen_mistakes(wrong, message):
    assert "✓" in check_parzen(parzen_right)
    with pytest.raises(CheckFailed, match=re.escape(message)):
        check_parzen(wrong)


# --- Algorithm 1 written by the student (failure 4): the check names each classic bug.


def training_step(G, D, *, opt_d, opt_g, data, noise, k, m, bug=None):
    """Algorithm 1's iteration as a student writes it with the optimisers, from the cross-entropy
    of D's logits (−V for D, −log D(G(z)) for G), optionally with one classic bug."""
    bce = F.binary_cross_entropy_with_logits
    ones, zeros = torch.ones(m, dtype=torch.float64), torch.zeros(m, dtype=torch.float64)
    z = None
    for i in range(1 if bug == "one D step" else k):
        if i == 0 or bug != "same batch":
            x, z = data(m), noise(m)
        fake = G(z) if bug == "no detach" else G(z).detach()
        minus_v = bce(D(x), ones) + bce(D(fake), zeros)
        if bug != "no zero_grad":
            opt_d.zero_grad()
        (-minus_v if bug == "sign of V" else minus_v).backward()
        opt_d.step()
    logits = D(G(z if bug == "reused noise" else noise(m)))
    if bug != "no detach":
        opt_g.zero_grad()
    (-bce(logits, zeros) if bug == "saturating" else bce(logits, ones)).backward()
    opt_g.step()
    if bug == "G moves D":
        opt_d.step()


def sgd_by_hand(params, loss, opt):
    """p ← p − lr ∇loss, the gradient from torch.autograd.grad: no .grad, no zero_grad, no step."""
    lr = opt.param_groups[0]["lr"]
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        for p, g in zip(params, grads, strict=True):
            p.sub_(lr * g)


def training_step_by_hand(G, D, *, opt_d, opt_g, data, noise, k, m):
    """Algorithm 1's box, independent of the check's reference: D descends the cross-entropy of
    real (label 1) and fake (label 0), which is −V; G descends the cross-entropy of its fakes
    with label 1, which is −log D(G(z)); each update written out by hand."""
    ones, zeros = torch.ones(m, dtype=torch.float64), torch.zeros(m, dtype=torch.float64)
    bce = F.binary_cross_entropy_with_logits
    for _ in range(k):
        x, z = data(m), noise(m)
        with torch.no_grad():
            fake = G(z)
        sgd_by_hand(list(D.parameters()), bce(D(x), ones) + bce(D(fake), zeros), opt_d)
    sgd_by_hand(list(G.parameters()), bce(D(G(noise(m))), ones), opt_g)


def test_training_step_right():
    assert "✓" in check_training_step(training_step_by_hand)
    assert "✓" in check_training_step(training_step)

    # Not detaching D's fakes is wasteful but harmless when G's gradients are zeroed first.
    def no_detach_but_zeroed(G, D, **kw):
        kw["opt_g"].zero_grad()
        training_step(G, D, **kw, bug=None)

    assert "✓" in check_training_step(no_detach_but_zeroed)


@pytest.mark.parametrize(
    ("bug", "message"),
    [
        ("G moves D", "G's step moved D (reader question 6)"),
        ("no detach", "D's loss sent gradients into G"),
        ("sign of V", "D's step descends V"),
        ("saturating", "the saturating cost"),
        ("reused noise", "reuses the noise of D's last minibatch"),
        ("same batch", "reuse one minibatch"),
        ("no zero_grad", "D's gradients accumulate"),
        ("one D step", "D takes k steps per iteration"),
    ],
)
def test_training_step_bugs(bug, message):
    with pytest.raises(CheckFailed, match=re.escape(message)):
        check_training_step(functools.partial(training_step, bug=bug))


def test_training_step_calling_ganlib():
    def via_ganlib(G, D, *, opt_d, opt_g, data, noise, k, m):
        for _ in range(k):
            ganlib.algorithm1.discriminator_step(D, opt_d, data(m), G(noise(m)).detach())
        training_step(G, D, opt_d=opt_d, opt_g=opt_g, data=data, noise=noise, k=0, m=m)

    with pytest.raises(CheckFailed, match=re.escape("ganlib.algorithm1.discriminator_step")):
        check_training_step(via_ganlib)


def test_reference_algorithm1_against_gradients_by_hand():
    # The check's Algorithm 1 on G(z) = w z + b and D(x) = u x + c, k = 1, against the
    # gradients of V and of −log D(G(z)) worked out by hand with the logistic function.
    from scipy.special import expit

    from ganlib.coursework.training_step import _algorithm1

    w, b, u, c, lr = 0.7, -0.2, 1.3, 0.1, 0.1
    G = torch.nn.Linear(1, 1).double()
    D = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Flatten(0)).double()
    with torch.no_grad():
        for p, value in zip((G.weight, G.bias, D[0].weight, D[0].bias), (w, b, u, c), strict=True):
            p.fill_(value)
    gen = torch.Generator().manual_seed(0)
    x, z_d, z_g = (torch.randn(32, 1, generator=gen, dtype=torch.float64) for _ in range(3))
    batches = {"data": [x], "noise": [z_d, z_g]}
    _algorithm1(
        G, D,
        torch.optim.SGD(G.parameters(), lr=lr), torch.optim.SGD(D.parameters(), lr=lr),
        lambda m: batches["data"].pop(0), lambda m: batches["noise"].pop(0), k=1, m=32,
    )  # fmt: skip
    xr, f = x.numpy()[:, 0], w * z_d.numpy()[:, 0] + b
    u_new = u + lr * ((1 - expit(u * xr + c)) * xr - expit(u * f + c) * f).mean()
    c_new = c + lr * ((1 - expit(u * xr + c)) - expit(u * f + c)).mean()
    zg = z_g.numpy()[:, 0]
    s = 1 - expit(u_new * (w * zg + b) + c_new)
    w_new, b_new = w + lr * (s * u_new * zg).mean(), b + lr * (s * u_new).mean()
    got = [D[0].weight.item(), D[0].bias.item(), G.weight.item(), G.bias.item()]
    assert got == pytest.approx([u_new, c_new, w_new, b_new], abs=1e-12)


@pytest.mark.parametrize("bug", [None, "sign of V"])
def test_training_step_leaves_the_students_random_state(bug):
    # The check builds its players from seeds of its own; the student's next draw is unchanged.
    torch.manual_seed(2024)
    state = torch.get_rng_state()
    replay = torch.Generator()
    replay.set_state(state)
    expected = torch.rand(5, generator=replay)
    step = functools.partial(training_step, bug=bug)
    if bug is None:
        check_training_step(step)
    else:
        with pytest.raises(CheckFailed):
            check_training_step(step)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(torch.rand(5), expected)
