"""The formulas of Sections 3 and 4 as exercises: Eq. 1's V and the losses from logits, Prop. 1's
D*, Theorem 1's JSD. Each check compares the student's function with the formula written out here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from ganlib.language import _

from .engine import _case_inputs, _diagnose, _run, _should_be


def check_value_function(v: Callable[[torch.Tensor, torch.Tensor], torch.Tensor | float]) -> str:
    """V(D, G) = mean log D(x) + mean log(1 − D(G(z)))  (Eq. 1): checks ``v(d_real, d_fake)``.

    ``d_real`` holds D(x) on a batch of data, ``d_fake`` D(G(z)) on a batch of generated samples
    (probabilities, possibly batches of different sizes); ``v`` returns V as one number.
    """
    half = torch.full((8,), 0.5, dtype=torch.float64)
    r5, f7, r3, f3 = _case_inputs(0, (5, 7, 3, 3), "probability")
    cases = [
        (_("at D = ½ everywhere"), (half, half)),
        (_("for a perfect D (1 on data, 0 on fakes)"), (torch.ones(4).double(), torch.zeros(6).double())),
        (_("with 5 real and 7 generated samples"), (r5, f7)),
        (_("with 3 real and 3 generated samples"), (r3, f3)),
    ]  # fmt: skip
    got = _run(v, cases, "V", lambda *a: ())

    def right(dr, df):
        return dr.log().mean() + torch.log1p(-df).mean()

    mistakes = [
        (lambda dr, df: dr.mean() + (1 - df).mean(),
         _("did you forget the log? V averages log D(x) and log(1 − D(G(z))), not the probabilities.")),
        (lambda dr, df: -right(dr, df),
         _("the sign is flipped: V is what D maximises, log D(x) + log(1 − D(G(z))), which is ≤ 0.")),
        (lambda dr, df: torch.log1p(-dr).mean() + df.log().mean(),
         _("the terms are swapped: log D goes with the real samples x, log(1 − D) with the generated.")),
        (lambda dr, df: dr.log().sum() + torch.log1p(-df).sum(),
         _("that is a sum over the minibatch; the expectations in Eq. 1 are means.")),
        (lambda dr, df: torch.cat([dr.log(), torch.log1p(-df)]).mean(),
         _("that is one mean over both batches together; take each expectation's mean on its own.")),
        (lambda dr, df: dr.log().mean() + df.log().mean(),
         _("the generated samples' term is log(1 − D(G(z))), not log D(G(z)).")),
    ]  # fmt: skip
    _diagnose(cases, got, right, mistakes, _should_be("V"))
    return _("check_value_function: all 4 cases agree with Eq. 1 ✓")


def check_optimal_discriminator(
    dstar: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> str:
    """D*_G(x) = p_data(x) / (p_data(x) + p_g(x))  (Prop. 1): checks ``dstar(p_data, p_g)``.

    The arguments are tensors of density values at the same points; ``dstar`` returns D* at each
    point (a tensor of the same shape).
    """
    p6, q6, p1000, q1000 = _case_inputs(1, (6, 6, 1000, 1000), "density")
    cases = [
        (_("where p_data = p_g"), (p6, p6.clone())),
        (_("where p_g = 0"), (p6, torch.zeros(6, dtype=torch.float64))),
        (_("where p_data = 0"), (torch.zeros(6, dtype=torch.float64), q6)),
        (_("at 1,000 random densities"), (p1000, q1000)),
    ]
    got = _run(dstar, cases, "D*", lambda p, q: tuple(p.shape))

    def right(p, q):
        return p / (p + q)

    mistakes = [
        (lambda p, q: q / (p + q),
         _("that is 1 − D*: D is the probability that x came from the data, so p_data goes on top.")),
        (lambda p, q: p / q,
         _("that is the density ratio p_data/p_g; D* divides by p_data + p_g, so it stays in [0, 1].")),
        (lambda p, q: (p / (p + q)).mean().expand_as(p),
         _("D* is a value at each point x; yours averages over the points.")),
        (lambda p, q: p / (p + q).sum(),
         _("D* divides at each point by p_data(x) + p_g(x), not by a sum over all points.")),
    ]  # fmt: skip
    _diagnose(cases, got, right, mistakes, _should_be("D*"))
    return _("check_optimal_discriminator: all 4 cases agree with Prop. 1 ✓")


_G_FORMULA = {
    "minimax": "log(1 − D(G(z))) = F.logsigmoid(−a)",
    "nonsaturating": "−log D(G(z)) = −F.logsigmoid(a)",
}


def _logit_cases(seed: int) -> list[tuple[str, tuple[torch.Tensor]]]:
    (a,) = _case_inputs(seed, (9,), "logits")
    return [
        (_("at logit 0 (D = ½)"), (torch.zeros(4, dtype=torch.float64),)),
        (_("at 9 random logits"), (a,)),
        (_("at logits ±800 (a very confident D)"), (torch.tensor([-800.0, 800.0, 0.0]).double(),)),
    ]


def _logit_mistakes(right: Callable, kind: str) -> list[tuple[Callable, str]]:
    formula = _G_FORMULA[kind]
    prob = _(
        "the input is D's logit a, not the probability D = σ(a): use F.logsigmoid, e.g. {formula}."
    ).format(formula=formula)
    naive = _(
        "computing σ(a) first and then its log rounds σ to exactly 0 or 1 for large |a|, giving "
        "±inf; work from the logit with F.logsigmoid, e.g. {formula}."
    ).format(formula=formula)
    if kind == "minimax":
        as_prob = lambda a: torch.log1p(-a).mean()  # noqa: E731
        naive_f = lambda a: torch.log(1 - torch.sigmoid(a)).mean()  # noqa: E731
        other = lambda a: -F.logsigmoid(a).mean()  # noqa: E731
        other_msg = _(
            "that is the non-saturating cost −log D(G(z)); the minimax cost is log(1 − D(G(z)))."
        )
    else:
        as_prob = lambda a: -a.log().mean()  # noqa: E731
        naive_f = lambda a: -torch.log(torch.sigmoid(a)).mean()  # noqa: E731
        other = lambda a: F.logsigmoid(-a).mean()  # noqa: E731
        other_msg = _(
            "that is the minimax cost log(1 − D(G(z))); the non-saturating cost is −log D(G(z))."
        )
    return [
        (as_prob, prob),
        (naive_f, naive),
        (lambda a: -right(a), _("the sign is flipped: G descends this cost, so it must fall as D(G(z)) → 1.")),
        (other, other_msg),
        (lambda a: -other(a), _("a sign and a cost are mixed up; G's {kind} cost is {formula}.").format(kind=kind, formula=formula)),
        (lambda a: right(a) * len(a), _("that is a sum over the minibatch; the cost is a mean.")),
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
    what = _("the {kind} cost").format(kind=kind)
    got = _run(loss, cases, what, lambda a: ())
    _diagnose(cases, got, right, _logit_mistakes(right, kind), _should_be(what))
    return _("check_generator_loss({kind}): all 3 cases agree, finite at any logit ✓").format(
        kind=repr(kind)
    )


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
        (_("at logits 0 (D = ½, −V = log 4)"), (torch.zeros(3).double(), torch.zeros(3).double())),
        (_("with 5 real and 7 generated logits"), (a5, a7)),
        (_("at logits ±800 (a very confident D)"), (big, big.flip(0))),
    ]
    got = _run(loss, cases, _("D's loss"), lambda *a: ())
    finite = _(
        "work from the logits with F.logsigmoid: log D = F.logsigmoid(a), log(1 − D) = F.logsigmoid(−a)."
    )
    mistakes = [
        (lambda ar, af: -right(ar, af),
         _("that is V itself; D's loss is −V, because the optimiser descends while D ascends V.")),
        (lambda ar, af: -(F.logsigmoid(-ar).mean() + F.logsigmoid(af).mean()),
         _("the terms are swapped: log D goes with the real logits, log(1 − D) with the generated.")),
        (lambda ar, af: -(torch.sigmoid(ar).log().mean() + (1 - torch.sigmoid(af)).log().mean()),
         _("σ(a) rounds to 0 or 1 for large |a| before the log, giving inf; {hint}").format(hint=finite)),
        (lambda ar, af: -(ar.log().mean() + torch.log1p(-af).mean()),
         _("the inputs are logits, not probabilities; {hint}").format(hint=finite)),
        (lambda ar, af: -(F.logsigmoid(ar).sum() + F.logsigmoid(-af).sum()),
         _("that is a sum over the minibatch; the expectations in Eq. 1 are means.")),
        (lambda ar, af: -torch.cat([F.logsigmoid(ar), F.logsigmoid(-af)]).mean(),
         _("that is one mean over both batches together (−V/2 for equal sizes); take each mean on its own.")),
    ]  # fmt: skip
    _diagnose(cases, got, right, mistakes, _should_be(_("D's loss")))
    return _("check_discriminator_loss: all 3 cases agree with −V ✓")


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
        (_("for p = q"), (p5, p5.clone())),
        (_("for p and q on disjoint outcomes"), (half, half.flip(0))),
        (_("for two random distributions on 5 outcomes"), (p5, q5)),
        (_("for p with a zero where q is not"), (torch.tensor([0.0, 0.3, 0.7]).double(), torch.tensor([0.2, 0.4, 0.4]).double())),
    ]  # fmt: skip
    got = _run(jsd, cases, "JSD", lambda *a: ())

    def naive(p, q):  # Σ p log(p/m) without the 0 log 0 = 0 convention
        m = (p + q) / 2
        return 0.5 * (p * (p / m).log()).sum() + 0.5 * (q * (q / m).log()).sum()

    mistakes = [
        (lambda p, q: kl(p, q) if bool((q[p > 0] > 0).all()) else torch.tensor(math.inf).double(),
         _("that is KL(p ‖ q); the JSD compares each distribution with the mixture m = (p + q)/2.")),
        (lambda p, q: (p * (p / q).log()).sum(),
         _("that is KL(p ‖ q); the JSD compares each distribution with the mixture m = (p + q)/2.")),
        (lambda p, q: right(p, q) / math.log(2),
         _("that is in bits (log base 2); the paper's JSD, and −log 4, use natural logs (nats).")),
        (lambda p, q: 2 * right(p, q),
         _("that is twice the JSD: each KL term carries a factor ½.")),
        (lambda p, q: 0.5 * kl(p, p + q) + 0.5 * kl(q, p + q),
         _("the mixture is m = (p + q)/2; without the /2 the result is JSD − log 2.")),
        (naive,
         _("a zero probability gives 0 · log 0 = NaN in floating point; its term is 0 by convention, "
           "so sum KL(p ‖ m) only where p > 0, and KL(q ‖ m) only where q > 0.")),
    ]  # fmt: skip
    _diagnose(cases, got, right, mistakes, _should_be("JSD"))
    return _("check_jensen_shannon: all 4 cases agree with Theorem 1's JSD ✓")
