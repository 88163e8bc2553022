"""ganlib.checks: right answers pass, typical wrong ones fail with the message that names them."""

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganlib.checks import (
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
