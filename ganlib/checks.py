"""Checks students run on their own code: the exercises' automatic feedback.

Each ``check_*`` calls the student's function on fixed and random inputs and edge cases, compares
with the formula written out here (not with ganlib's own implementation), and either returns a
one-line confirmation or raises :class:`CheckFailed` saying what is wrong in the reader's terms:
which input, what was expected, what came back, and, when the answer matches a typical mistake
(a missing log, swapped terms, a wrong sign, a sum instead of a mean, probabilities where logits
were meant), that mistake by name. ``NotImplementedError`` from an unfinished exercise passes
through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "CheckFailed",
    "check_discriminator_loss",
    "check_generator_loss",
    "check_jensen_shannon",
    "check_optimal_discriminator",
    "check_value_function",
]

_REL, _ABS = 1e-6, 1e-9


class CheckFailed(AssertionError):
    """A student's function disagrees with the paper's formula; the message says how."""


def _case_inputs(generator_seed: int, sizes: tuple[int, ...], kind: str) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(generator_seed)
    out = []
    for n in sizes:
        if kind == "probability":
            out.append(0.05 + 0.9 * torch.rand(n, generator=gen, dtype=torch.float64))
        elif kind == "density":
            out.append(0.01 + torch.rand(n, generator=gen, dtype=torch.float64))
        else:  # logits
            out.append(3 * torch.randn(n, generator=gen, dtype=torch.float64))
    return out


def _close(got: torch.Tensor, want: torch.Tensor) -> bool:
    return got.shape == want.shape and bool(
        torch.allclose(got, want, rtol=_REL, atol=_ABS, equal_nan=True)
    )


def _as_tensor(value: object, what: str, shape: tuple[int, ...]) -> torch.Tensor:
    """The student's answer as a float64 tensor of the expected shape, or a clear failure."""
    try:
        t = torch.as_tensor(value.detach() if isinstance(value, torch.Tensor) else value)
        t = t.to(torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        raise CheckFailed(
            f"{what} should be a number or a tensor, yours returned {type(value).__name__}"
        ) from e
    if shape == () and t.numel() == 1:
        return t.reshape(())
    if tuple(t.shape) != shape:
        expected = "one number (a mean over the minibatch)" if shape == () else f"shape {shape}"
        raise CheckFailed(f"{what} should be {expected}; yours has shape {tuple(t.shape)}")
    return t


def _fmt(t: torch.Tensor) -> str:
    if t.ndim == 0:
        return f"{t.item():.4g}"
    values = ", ".join(f"{v:.3g}" for v in t.flatten()[:4].tolist())
    return f"[{values}{', …' if t.numel() > 4 else ''}]"


def _diagnose(
    cases: list[tuple[str, tuple[torch.Tensor, ...]]],
    got: list[torch.Tensor],
    right: Callable[..., torch.Tensor],
    mistakes: list[tuple[Callable[..., torch.Tensor], str]],
    what: str,
) -> None:
    """Raise CheckFailed naming the first wrong case, and the mistake every case agrees with."""
    want = [right(*args) for _, args in cases]
    if all(_close(g, w) for g, w in zip(got, want, strict=True)):
        return
    for mistake, message in mistakes:
        with torch.no_grad():
            wrong = [mistake(*args) for _, args in cases]
        if all(_close(g, w) for g, w in zip(got, wrong, strict=True)):
            i = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if not _close(g, w))
            label = cases[i][0]
            raise CheckFailed(
                f"{what} {label} should be {_fmt(want[i])}, yours is {_fmt(got[i])}: {message}"
            )
    i = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if not _close(g, w))
    bad = "" if torch.isfinite(got[i]).all() else " (not finite)"
    raise CheckFailed(
        f"{what} {cases[i][0]} should be {_fmt(want[i])}, yours is {_fmt(got[i])}{bad}. "
        "It matches none of the usual mistakes; compare your formula with the text term by term."
    )


def _run(fn: Callable, cases, what: str, shape_of: Callable) -> list[torch.Tensor]:
    if not callable(fn):
        raise TypeError(f"pass your function itself (no parentheses), got {type(fn).__name__}")
    got = []
    for label, args in cases:
        out = fn(*(a.clone() for a in args))
        if out is None:
            raise CheckFailed(f"{what} {label} returned None: did you forget `return`?")
        got.append(_as_tensor(out, what, shape_of(*args)))
    return got


def check_value_function(v: Callable[[torch.Tensor, torch.Tensor], torch.Tensor | float]) -> str:
    """V(D, G) = mean log D(x) + mean log(1 − D(G(z)))  (Eq. 1): checks ``v(d_real, d_fake)``.

    ``d_real`` holds D(x) on a batch of data, ``d_fake`` D(G(z)) on a batch of generated samples
    (probabilities, possibly batches of different sizes); ``v`` returns V as one number.
    """
    half = torch.full((8,), 0.5, dtype=torch.float64)
    r5, f7, r3, f3 = _case_inputs(0, (5, 7, 3, 3), "probability")
    cases = [
        ("at D = ½ everywhere", (half, half)),
        ("for a perfect D (1 on data, 0 on fakes)", (torch.ones(4).double(), torch.zeros(6).double())),
        ("with 5 real and 7 generated samples", (r5, f7)),
        ("with 3 real and 3 generated samples", (r3, f3)),
    ]  # fmt: skip
    got = _run(v, cases, "V", lambda *a: ())

    def right(dr, df):
        return dr.log().mean() + torch.log1p(-df).mean()

    mistakes = [
        (lambda dr, df: dr.mean() + (1 - df).mean(),
         "did you forget the log? V averages log D(x) and log(1 − D(G(z))), not the probabilities."),
        (lambda dr, df: -right(dr, df),
         "the sign is flipped: V is what D maximises, log D(x) + log(1 − D(G(z))), which is ≤ 0."),
        (lambda dr, df: torch.log1p(-dr).mean() + df.log().mean(),
         "the terms are swapped: log D goes with the real samples x, log(1 − D) with the generated."),
        (lambda dr, df: dr.log().sum() + torch.log1p(-df).sum(),
         "that is a sum over the minibatch; the expectations in Eq. 1 are means."),
        (lambda dr, df: torch.cat([dr.log(), torch.log1p(-df)]).mean(),
         "that is one mean over both batches together; take each expectation's mean on its own."),
        (lambda dr, df: dr.log().mean() + df.log().mean(),
         "the generated samples' term is log(1 − D(G(z))), not log D(G(z))."),
    ]  # fmt: skip
    _diagnose(cases, got, right, mistakes, "V")
    return "check_value_function: all 4 cases agree with Eq. 1 ✓"


def check_optimal_discriminator(
    dstar: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> str:
    """D*_G(x) = p_data(x) / (p_data(x) + p_g(x))  (Prop. 1): checks ``dstar(p_data, p_g)``.

    The arguments are tensors of density values at the same points; ``dstar`` returns D* at each
    point (a tensor of the same shape).
    """
    p6, q6, p1000, q1000 = _case_inputs(1, (6, 6, 1000, 1000), "density")
    cases = [
        ("where p_data = p_g", (p6, p6.clone())),
        ("where p_g = 0", (p6, torch.zeros(6, dtype=torch.float64))),
        ("where p_data = 0", (torch.zeros(6, dtype=torch.float64), q6)),
        ("at 1,000 random densities", (p1000, q1000)),
    ]
    got = _run(dstar, cases, "D*", lambda p, q: tuple(p.shape))

    def right(p, q):
        return p / (p + q)

    mistakes = [
        (lambda p, q: q / (p + q),
         "that is 1 − D*: D is the probability that x came from the data, so p_data goes on top."),
        (lambda p, q: p / q,
         "that is the density ratio p_data/p_g; D* divides by p_data + p_g, so it stays in [0, 1]."),
        (lambda p, q: (p / (p + q)).mean().expand_as(p),
         "D* is a value at each point x; yours averages over the points."),
        (lambda p, q: p / (p + q).sum(),
         "D* divides at each point by p_data(x) + p_g(x), not by a sum over all points."),
    ]  # fmt: skip
    _diagnose(cases, got, right, mistakes, "D*")
    return "check_optimal_discriminator: all 4 cases agree with Prop. 1 ✓"


_G_FORMULA = {
    "minimax": "log(1 − D(G(z))) = F.logsigmoid(−a)",
    "nonsaturating": "−log D(G(z)) = −F.logsigmoid(a)",
}


def _logit_cases(seed: int) -> list[tuple[str, tuple[torch.Tensor]]]:
    (a,) = _case_inputs(seed, (9,), "logits")
    return [
        ("at logit 0 (D = ½)", (torch.zeros(4, dtype=torch.float64),)),
        ("at 9 random logits", (a,)),
        ("at logits ±800 (a very confident D)", (torch.tensor([-800.0, 800.0, 0.0]).double(),)),
    ]


def _logit_mistakes(right: Callable, kind: str) -> list[tuple[Callable, str]]:
    prob = (
        "the input is D's logit a, not the probability D = σ(a): use "
        f"F.logsigmoid, e.g. {_G_FORMULA[kind]}."
    )
    naive = (
        "computing σ(a) first and then its log rounds σ to exactly 0 or 1 for large |a|, giving "
        f"±inf; work from the logit with F.logsigmoid, e.g. {_G_FORMULA[kind]}."
    )
    if kind == "minimax":
        as_prob = lambda a: torch.log1p(-a).mean()  # noqa: E731
        naive_f = lambda a: torch.log(1 - torch.sigmoid(a)).mean()  # noqa: E731
        other = lambda a: -F.logsigmoid(a).mean()  # noqa: E731
        other_msg = (
            "that is the non-saturating cost −log D(G(z)); the minimax cost is log(1 − D(G(z)))."
        )
    else:
        as_prob = lambda a: -a.log().mean()  # noqa: E731
        naive_f = lambda a: -torch.log(torch.sigmoid(a)).mean()  # noqa: E731
        other = lambda a: F.logsigmoid(-a).mean()  # noqa: E731
        other_msg = (
            "that is the minimax cost log(1 − D(G(z))); the non-saturating cost is −log D(G(z))."
        )
    return [
        (as_prob, prob),
        (naive_f, naive),
        (lambda a: -right(a), "the sign is flipped: G descends this cost, so it must fall as D(G(z)) → 1."),
        (other, other_msg),
        (lambda a: -other(a), f"a sign and a cost are mixed up; G's {kind} cost is {_G_FORMULA[kind]}."),
        (lambda a: right(a) * len(a), "that is a sum over the minibatch; the cost is a mean."),
    ]  # fmt: skip


def check_generator_loss(
    loss: Callable[[torch.Tensor], torch.Tensor], kind: str = "nonsaturating"
) -> str:
    """G's cost from D's logits a = σ⁻¹(D(G(z))) (Eq. 1 and Section 3): checks ``loss(logits)``.

    ``kind="minimax"``: mean log(1 − D(G(z))); ``"nonsaturating"``: mean −log D(G(z)). The
    cost must be finite for any logit, which computing σ(a) before the log is not.
    """
    if kind not in _G_FORMULA:
        raise ValueError(f"unknown kind={kind!r}; choose one of {tuple(_G_FORMULA)}")

    def right(a):
        return F.logsigmoid(-a).mean() if kind == "minimax" else -F.logsigmoid(a).mean()

    cases = _logit_cases(2)
    got = _run(loss, cases, f"the {kind} cost", lambda a: ())
    _diagnose(cases, got, right, _logit_mistakes(right, kind), f"the {kind} cost")
    return f"check_generator_loss({kind!r}): all 3 cases agree, finite at any logit ✓"


def check_discriminator_loss(
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> str:
    """−V from logits: −mean log σ(a_real) − mean log σ(−a_fake)  (Eq. 1): checks ``loss(ar, af)``.

    D descends this to ascend V. ``ar`` and ``af`` are D's logits on real and generated batches.
    """

    def right(ar, af):
        return -(F.logsigmoid(ar).mean() + F.logsigmoid(-af).mean())

    (a5, a7) = _case_inputs(3, (5, 7), "logits")
    big = torch.tensor([-800.0, 800.0]).double()
    cases = [
        ("at logits 0 (D = ½, −V = log 4)", (torch.zeros(3).double(), torch.zeros(3).double())),
        ("with 5 real and 7 generated logits", (a5, a7)),
        ("at logits ±800 (a very confident D)", (big, big.flip(0))),
    ]
    got = _run(loss, cases, "D's loss", lambda *a: ())
    finite = "work from the logits with F.logsigmoid: log D = F.logsigmoid(a), log(1 − D) = F.logsigmoid(−a)."
    mistakes = [
        (lambda ar, af: -right(ar, af),
         "that is V itself; D's loss is −V, because the optimiser descends while D ascends V."),
        (lambda ar, af: -(F.logsigmoid(-ar).mean() + F.logsigmoid(af).mean()),
         "the terms are swapped: log D goes with the real logits, log(1 − D) with the generated."),
        (lambda ar, af: -(torch.sigmoid(ar).log().mean() + (1 - torch.sigmoid(af)).log().mean()),
         "σ(a) rounds to 0 or 1 for large |a| before the log, giving inf; " + finite),
        (lambda ar, af: -(ar.log().mean() + torch.log1p(-af).mean()),
         "the inputs are logits, not probabilities; " + finite),
        (lambda ar, af: -(F.logsigmoid(ar).sum() + F.logsigmoid(-af).sum()),
         "that is a sum over the minibatch; the expectations in Eq. 1 are means."),
        (lambda ar, af: -torch.cat([F.logsigmoid(ar), F.logsigmoid(-af)]).mean(),
         "that is one mean over both batches together (−V/2 for equal sizes); take each mean on its own."),
    ]  # fmt: skip
    _diagnose(cases, got, right, mistakes, "D's loss")
    return "check_discriminator_loss: all 3 cases agree with −V ✓"


def check_jensen_shannon(jsd: Callable[[torch.Tensor, torch.Tensor], torch.Tensor | float]) -> str:
    """JSD(p ‖ q) = ½ KL(p ‖ M) + ½ KL(q ‖ M), M = (p + q)/2, in nats  (Thm. 1): checks ``jsd(p, q)``.

    ``p`` and ``q`` are probability vectors over the same outcomes (non-negative, summing to 1,
    possibly with zeros); ``jsd`` returns one number.
    """

    def kl(a, b):  # Σ a log(a/b) over a > 0: the convention 0 log 0 = 0
        keep = a > 0
        return (a[keep] * (a[keep] / b[keep]).log()).sum()

    def right(p, q):
        m = (p + q) / 2
        return 0.5 * kl(p, m) + 0.5 * kl(q, m)

    gen = torch.Generator().manual_seed(4)
    p5, q5 = (torch.rand(5, generator=gen, dtype=torch.float64) + 0.05 for _ in range(2))
    p5, q5 = p5 / p5.sum(), q5 / q5.sum()
    half = torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=torch.float64)
    cases = [
        ("for p = q", (p5, p5.clone())),
        ("for p and q on disjoint outcomes", (half, half.flip(0))),
        ("for two random distributions on 5 outcomes", (p5, q5)),
        ("for p with a zero where q is not", (torch.tensor([0.0, 0.3, 0.7]).double(), torch.tensor([0.2, 0.4, 0.4]).double())),
    ]  # fmt: skip
    got = _run(jsd, cases, "JSD", lambda *a: ())

    def naive(p, q):  # Σ p log(p/m) without the 0 log 0 = 0 convention
        m = (p + q) / 2
        return 0.5 * (p * (p / m).log()).sum() + 0.5 * (q * (q / m).log()).sum()

    mistakes = [
        (lambda p, q: kl(p, q) if bool((q[p > 0] > 0).all()) else torch.tensor(math.inf).double(),
         "that is KL(p ‖ q); the JSD compares each distribution with the mixture m = (p + q)/2."),
        (lambda p, q: (p * (p / q).log()).sum(),
         "that is KL(p ‖ q); the JSD compares each distribution with the mixture m = (p + q)/2."),
        (lambda p, q: right(p, q) / math.log(2),
         "that is in bits (log base 2); the paper's JSD, and −log 4, use natural logs (nats)."),
        (lambda p, q: 2 * right(p, q),
         "that is twice the JSD: each KL term carries a factor ½."),
        (lambda p, q: 0.5 * kl(p, p + q) + 0.5 * kl(q, p + q),
         "the mixture is m = (p + q)/2; without the /2 the result is JSD − log 2."),
        (naive,
         "a zero probability gives 0 · log 0 = NaN in floating point; its term is 0 by convention, "
         "so sum only where p > 0 (and q > 0)."),
    ]  # fmt: skip
    _diagnose(cases, got, right, mistakes, "JSD")
    return "check_jensen_shannon: all 4 cases agree with Theorem 1's JSD ✓"
