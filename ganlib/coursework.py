"""Feedback on the exercises: checks students run on their own code (not part of the paper).

Each ``check_*`` calls the student's function on fixed and random inputs and edge cases, compares
with the formula written out here (not with ganlib's own implementation), and either returns a
one-line confirmation or raises :class:`CheckFailed` saying what is wrong in the reader's terms:
which input, what was expected, what came back, and, when the answer matches a typical mistake
(a missing log, swapped terms, a wrong sign, a sum instead of a mean, probabilities where logits
were meant), that mistake by name. ``NotImplementedError`` from an unfinished exercise passes
through unchanged. The messages are in English, or in Korean where ``GANLIB_LANGUAGE=ko`` (the
Korean chapters set it in their first cell; ``ganlib.language``).

A function that is, or calls, the ganlib function its exercise asks the student to write fails
with a message saying so: the exercise is to write the formula, and a check that passed
``ganlib.value_function`` would grade the library, not the student.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.language import N_, _

__all__ = [
    "CheckFailed",
    "check_discriminator_loss",
    "check_generator_loss",
    "check_jensen_shannon",
    "check_mode_coverage",
    "check_nearest",
    "check_optimal_discriminator",
    "check_parzen",
    "check_training_step",
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
            _("{what} should be a number or a tensor, yours returned {type}").format(
                what=what, type=type(value).__name__
            )
        ) from e
    if shape == () and t.numel() == 1:
        return t.reshape(())
    if tuple(t.shape) != shape:
        message = (
            _("{what} should be one number (a mean over the minibatch); yours has shape {got}")
            if shape == ()
            else _("{what} should have shape {shape}; yours has shape {got}")
        )
        raise CheckFailed(message.format(what=what, shape=shape, got=tuple(t.shape)))
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
            raise CheckFailed(
                _("{what} {case} should be {want}, yours is {got}: {mistake}").format(
                    what=what,
                    case=cases[i][0],
                    want=_fmt(want[i]),
                    got=_fmt(got[i]),
                    mistake=message,
                )
            )
    i = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if not _close(g, w))
    message = (
        _(
            "{what} {case} should be {want}, yours is {got}. It matches none of the usual "
            "mistakes; compare your formula with the text term by term."
        )
        if torch.isfinite(got[i]).all()
        else _(
            "{what} {case} should be {want}, yours is {got} (not finite). It matches none of the "
            "usual mistakes; compare your formula with the text term by term."
        )
    )
    raise CheckFailed(
        message.format(what=what, case=cases[i][0], want=_fmt(want[i]), got=_fmt(got[i]))
    )


@contextmanager
def _without_ganlib(what: str, allowed: tuple[str, ...] = ()) -> Iterator[None]:
    """Fail when the code run inside calls a ganlib function (other than the ``allowed`` modules).

    A profile hook sees every Python call; ganlib's functions are recognised by the module their
    code belongs to, so an alias, a lambda or a ``functools.partial`` around them is caught too.
    """
    calls: list[str] = []

    def profile(frame, event, arg):
        if event == "call" and not calls:
            module = frame.f_globals.get("__name__", "")
            if module.startswith("ganlib.") and module != __name__ and module not in allowed:
                calls.append(f"{module}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)
    if calls:
        raise CheckFailed(
            _(
                "{what} calls {function}, a function of ganlib: this exercise asks you to write "
                "it yourself from torch operations, without calling ganlib."
            ).format(what=what, function=calls[0])
        )


def _not_callable(fn: object) -> TypeError:
    return TypeError(
        _("pass your function itself (no parentheses), got {type}").format(type=type(fn).__name__)
    )


def _run(fn: Callable, cases, what: str, shape_of: Callable) -> list[torch.Tensor]:
    if not callable(fn):
        raise _not_callable(fn)
    got = []
    for label, args in cases:
        with _without_ganlib(_("your function for {what}").format(what=what)):
            out = fn(*(a.clone() for a in args))
        if out is None:
            raise CheckFailed(
                _("your function returned None ({what} {case}): did you forget `return`?").format(
                    what=what, case=label
                )
            )
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
    _diagnose(cases, got, right, mistakes, "V")
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
    _diagnose(cases, got, right, mistakes, "D*")
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
    _diagnose(cases, got, right, _logit_mistakes(right, kind), what)
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
    _diagnose(cases, got, right, mistakes, _("D's loss"))
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
    _diagnose(cases, got, right, mistakes, "JSD")
    return _("check_jensen_shannon: all 4 cases agree with Theorem 1's JSD ✓")


def _call(fn: Callable, what: str, *args: object) -> object:
    """The student's answer for one case, with the no-ganlib rule and a clear None message."""
    if not callable(fn):
        raise _not_callable(fn)
    with _without_ganlib(_("your {what}").format(what=what)):
        out = fn(*args)
    if out is None:
        raise CheckFailed(
            _("your {what} returned None: did you forget `return`?").format(what=what)
        )
    return out


def _pair(out: object, what: str) -> tuple[float, float]:
    try:
        first, second = out  # type: ignore[misc]
        return float(first), float(second)
    except (TypeError, ValueError) as e:
        raise CheckFailed(
            _("your {what} should return two numbers, got {got}").format(what=what, got=repr(out))
        ) from e


def check_mode_coverage(
    coverage: Callable[[torch.Tensor, torch.Tensor, float], tuple[int, float]],
) -> str:
    """Modes captured and the high-quality fraction within 3σ of the nearest centre (Srivastava
    et al. 2017, chapter 6): checks ``coverage(samples, centers, std)``.
    """
    std = 0.02
    angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
    centers = torch.stack([2 * angles.cos(), 2 * angles.sin()], dim=1)  # chapter 6's ring
    out = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    gen = torch.Generator().manual_seed(5)
    cloud = centers[torch.randint(8, (400,), generator=gen)]
    cloud = cloud + 3 * std * torch.randn(400, 2, generator=gen, dtype=torch.float64)
    cases = [
        (_("24 samples on the 8 centres"), centers.repeat(3, 1)),
        (_("1 sample on a centre and 2 far outside the ring"), torch.cat([centers[:1], 10 * centers[:2]])),
        (_("samples at 2.9σ from one centre and 3.1σ from another"), torch.cat([centers[:1] + 2.9 * std * out, centers[1:2] + 3.1 * std * out])),
        (_("a sample halfway between two modes"), (centers[:1] + centers[1:2]) / 2),
        (_("400 samples spread around the 8 modes"), cloud),
    ]  # fmt: skip

    def measure(x, cutoff=lambda d: d <= 3 * std, through_all=False, fraction_of=None):
        dist, nearest = torch.cdist(x, centers).min(dim=1)
        good = cutoff(dist)
        modes = len(torch.unique(nearest if through_all else nearest[good]))
        return modes, good.double().sum().item() / (fraction_of or len(x))

    mistakes = [
        (lambda x: measure(x, cutoff=lambda d: d**2 <= 3 * std),
         _("the cutoff compares the squared distance with 3σ; compare the distance itself with 3σ.")),
        (lambda x: measure(x, cutoff=lambda d: d <= std),
         _("the cutoff is σ; a high-quality sample is within 3σ of its nearest centre.")),
        (lambda x: measure(x, through_all=True),
         _("yours counts the nearest mode of every sample; only high-quality samples (within 3σ) capture a mode.")),
        (lambda x: (measure(x)[0], measure(x)[0] / 8),
         _("the second number is the fraction of samples that are high quality, not of modes captured.")),
    ]  # fmt: skip
    what = _("mode coverage")
    for label, x in cases:
        got = _pair(_call(coverage, what, x.clone(), centers.clone(), std), what)
        want = measure(x)
        if got[0] == want[0] and abs(got[1] - want[1]) < 1e-9:
            continue
        hint = _("compare your steps with the definition at the start of chapter 6.")
        for mistake, message in mistakes:
            wrong = mistake(x)
            if got[0] == wrong[0] and abs(got[1] - wrong[1]) < 1e-9:
                hint = message
                break
        raise CheckFailed(
            _("{case}: expected (modes, quality) = {want}, yours is {got}: {hint}").format(
                case=label,
                want=f"({want[0]}, {want[1]:.4g})",
                got=f"({got[0]:g}, {got[1]:.4g})",
                hint=hint,
            )
        )
    return _("check_mode_coverage: all {n} cases agree with the definition ✓").format(n=len(cases))


def check_nearest(
    nearest: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
) -> str:
    """min_j ‖s_i − t_j‖ and its argmin j for each sample s_i (Figure 2): checks
    ``nearest(samples, train)``, which returns ``(distances, indices)``, two tensors of shape (n,).
    """
    gen = torch.Generator().manual_seed(6)
    train = torch.rand(40, 64, generator=gen)  # 8×8 images with pixels in [0, 1]
    moved = train[[3, 17, 29]] + 0.1 * torch.randn(3, 64, generator=gen)
    cases = [
        (
            _("for the training images themselves (each is its own nearest, at distance 0)"),
            train[:10],
        ),
        (_("for an image of 0.5s against the training images"), torch.full((1, 64), 0.5)),
        (_("for 3 training images with a little noise"), moved),
    ]
    what = _("nearest-image search")
    for label, x in cases:
        out = _call(nearest, what, x.clone(), train.clone())
        try:
            dist, index = (torch.as_tensor(t).detach().double().flatten() for t in out)  # type: ignore[union-attr]
        except (TypeError, ValueError) as e:
            raise CheckFailed(
                _("your {what} should return (distances, indices), got {got}").format(
                    what=what, got=repr(out)
                )
            ) from e
        full = torch.cdist(x.double(), train.double())
        want_d, want_i = full.min(dim=1)
        if dist.shape != want_d.shape or index.shape != want_i.shape:
            raise CheckFailed(
                _(
                    "{case}: expected {n} distances and {n} indices (one per sample), yours gave "
                    "{distances} and {indices}: take the minimum over the training images "
                    "(dim=1), not over the samples."
                ).format(
                    case=label,
                    n=len(x),
                    distances=tuple(dist.shape),
                    indices=tuple(index.shape),
                )
            )
        if torch.allclose(dist, want_d, atol=1e-5) and torch.equal(index.long(), want_i):
            continue
        if torch.allclose(dist, want_d**2, atol=1e-5) and not torch.allclose(
            dist, want_d, atol=1e-5
        ):
            hint = _("those are squared distances; take the square root (torch.cdist does).")
        elif torch.equal(index.long(), full.argmax(dim=1)):
            hint = _("those are the farthest training images; the nearest is the argmin.")
        elif torch.allclose(dist, want_d, atol=1e-2):
            hint = _(
                "close but not exact: float32 arithmetic leaves about 1e-3 for identical images; "
                "compute in float64 (.double())."
            )
        elif not torch.equal(index.long(), want_i):
            hint = _(
                "the distances may be right but the indices are not those of the nearest image."
            )
        else:
            hint = _("compare your distance with sqrt(sum((s - t)²)) over the pixels.")
        raise CheckFailed(
            _(
                "{case}: expected distances {want} at indices {want_index}, yours are {got} at "
                "{got_index}: {hint}"
            ).format(
                case=label,
                want=_fmt(want_d),
                want_index=want_i[:4].tolist(),
                got=_fmt(dist),
                got_index=index.long()[:4].tolist(),
                hint=hint,
            )
        )
    return _("check_nearest: all {n} cases agree with a brute-force search ✓").format(n=len(cases))


def check_parzen(parzen: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> str:
    """log p̂_σ(x) = log (1/n) Σᵢ N(x; sᵢ, σ²I), by log-sum-exp (Table 1, Breuleux et al.):
    checks ``parzen(samples, x, sigma)``, one value per row of ``x``.
    """

    def right(s, x, sig, log_n=True, const=True, sq_sigma=True):
        sq = torch.cdist(x, s) ** 2
        width = sig**2 if sq_sigma else sig
        log_k = -sq / (2 * width)
        if const:
            log_k = log_k - s.shape[1] / 2 * math.log(2 * math.pi * sig**2)
        return torch.logsumexp(log_k, dim=1) - (math.log(len(s)) if log_n else 0.0)

    gen = torch.Generator().manual_seed(7)
    s30, x5 = (torch.rand(n, 4, generator=gen, dtype=torch.float64) for n in (30, 5))
    zero = torch.zeros(1, 2, dtype=torch.float64)
    cases = [
        (_("one sample at x itself, σ = 1, d = 2 (log N(0; 0, I) = −log 2π)"), (zero, zero, 1.0)),
        (_("two samples, one at x and one 10 away, σ = 1"), (torch.tensor([[0.0, 0.0], [10.0, 0.0]]).double(), zero, 1.0)),
        (_("30 samples and 5 points in 4 dimensions, σ = 0.3"), (s30, x5, 0.3)),
        (_("a point 57 units from the only sample, σ = 0.1 (its kernel underflows)"), (zero, torch.full((1, 2), 40.0).double(), 0.1)),
    ]  # fmt: skip
    mistakes = [
        (lambda s, x, sig: torch.log(torch.exp(right(s, x, sig) + math.log(len(s))) / len(s)),
         _("summing exp(...) and then taking the log underflows to −inf far from the samples; "
           "stay in log space with torch.logsumexp.")),
        (lambda s, x, sig: right(s, x, sig, log_n=False),
         _("that is the log of a sum over the kernels; the estimate is their mean (subtract log n).")),
        (lambda s, x, sig: right(s, x, sig, const=False),
         _("the Gaussian's normalising constant −(d/2) log(2πσ²) is missing.")),
        (lambda s, x, sig: right(s, x, sig, sq_sigma=False),
         _("the exponent is −‖x − s‖²/(2σ²): σ squared, not σ.")),
    ]  # fmt: skip
    what = _("Parzen estimate")
    for label, (s, x, sig) in cases:
        got = _as_tensor(_call(parzen, what, s.clone(), x.clone(), sig), what, (len(x),))
        want = right(s, x, sig)
        if _close(got, want):
            continue
        hint = _("it matches none of the usual mistakes; compare your formula with the text.")
        for mistake, message in mistakes:
            with torch.no_grad():
                wrong = mistake(s, x, sig)
            if _close(got, wrong.to(got.dtype)):
                hint = message
                break
        raise CheckFailed(
            _("{case}: expected {want}, yours is {got}: {hint}").format(
                case=label, want=_fmt(want), got=_fmt(got), hint=hint
            )
        )
    return _("check_parzen: all {n} cases agree with the log-sum-exp formula ✓").format(
        n=len(cases)
    )


# Algorithm 1, one iteration. The check hands the student's step small players, SGD optimizers
# and samplers that replay fixed batches, then compares the parameters after two iterations
# with Algorithm 1 written out below and with each classic bug written out the same way.


class _Replay:
    """A sampler that returns a fixed sequence of batches and counts how often it was called."""

    def __init__(self, batches: list[torch.Tensor], name: str) -> None:
        self.batches, self.name, self.calls = batches, name, 0

    def __call__(self, m: int) -> torch.Tensor:
        if m != self.batches[0].shape[0]:
            raise CheckFailed(
                _(
                    "your step called {sampler}({m}); the check passes m = {expected}: sample "
                    "with data(m) and noise(m)"
                ).format(sampler=self.name, m=m, expected=len(self.batches[0]))
            )
        if self.calls == len(self.batches):
            raise CheckFailed(
                _(
                    "{sampler} was called more than {n} times in the check's two iterations: "
                    "Algorithm 1 samples data once per step of D, and noise once per step of D "
                    "and once more for G."
                ).format(sampler=self.name, n=len(self.batches))
            )
        self.calls += 1
        return self.batches[self.calls - 1].clone()


def _players(seed: int) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    D = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))
    return G.double(), D.double()


def _algorithm1(G, D, opt_g, opt_d, data, noise, k: int, m: int, bug: str | None = None) -> None:
    """One iteration of Algorithm 1 (k steps of D ascending V, one of G), or with one classic bug."""
    x = z = None
    for i in range(k):
        if bug != "same D batch" or i == 0:
            x, z = data(m), noise(m)
        fake = G(z) if bug == "no detach" else G(z).detach()
        v = F.logsigmoid(D(x)).mean() + F.logsigmoid(-D(fake)).mean()
        if bug != "no zero_grad for D":
            opt_d.zero_grad()
        (v if bug == "D descends V" else -v).backward()
        opt_d.step()
    a = D(G(z if bug == "reused noise" else noise(m)))  # logits on G's fresh minibatch
    cost = F.logsigmoid(-a).mean() if bug == "minimax" else -F.logsigmoid(a).mean()
    if bug != "no detach":
        opt_g.zero_grad()
    if bug not in ("no zero_grad for D", "G moves D"):  # G's backward fills D's .grad too
        opt_d.zero_grad()
    (-cost if bug == "G ascends" else cost).backward()
    opt_g.step()
    if bug == "G moves D":
        opt_d.step()


def _step_outcome(run: Callable, k: int, m: int) -> tuple[list[torch.Tensor], int, int, list]:
    """Parameters of G and D after two iterations of ``run``, the sampler calls, D's steps."""
    gen = torch.Generator().manual_seed(10 + k)
    xs = [2 + torch.randn(m, 1, generator=gen, dtype=torch.float64) for _ in range(2 * k)]
    zs = [torch.randn(m, 2, generator=gen, dtype=torch.float64) for _ in range(2 * k + 2)]
    G, D = _players(k)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
    data, noise = _Replay(xs, "data"), _Replay(zs, "noise")
    d_after: list[list[torch.Tensor]] = []  # D's parameters after each of its steps
    opt_d.register_step_post_hook(
        lambda *args: d_after.append([p.detach().clone() for p in D.parameters()])
    )
    for _iteration in range(2):
        run(G, D, opt_g, opt_d, data, noise)
    final = [p.detach().clone() for p in (*G.parameters(), *D.parameters())]
    return final, data.calls, noise.calls, d_after


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.allclose(x, y, atol=1e-10) for x, y in zip(a, b, strict=True))


_STEP_BUGS = {
    "D descends V": N_("D's step descends V; D maximises V, so its loss is −V = −(mean log D(x) + mean log(1 − D(G(z))))."),
    "minimax": N_("G's step descends log(1 − D(G(z))), the saturating cost; the exercise asks for the non-saturating −log D(G(z))."),
    "G ascends": N_("G's step goes uphill on −log D(G(z)): G descends its cost (opt_g.step() after backward of the cost itself)."),
    "reused noise": N_("G's step reuses the noise of D's last minibatch; Algorithm 1 samples a fresh minibatch of m noise samples for G."),
    "same D batch": N_("the k steps of D reuse one minibatch; Algorithm 1 samples fresh data and noise for each of the k steps."),
    "no zero_grad for D": N_("D's gradients accumulate: each step of D also follows the gradients of D's earlier steps and of G's cost (G's backward fills D's .grad too). Call opt_d.zero_grad() before D's backward."),
    "no detach": N_("D's loss sent gradients into G (no detach / no_grad on D's fakes), and they were added to G's own step."),
    "G moves D": N_("G's step moved D (reader question 6): only opt_g may step after G's cost; D's parameters stay as D's last step left them."),
}  # fmt: skip


def check_training_step(step: Callable[..., object]) -> str:
    """One iteration of Algorithm 1: k steps of D ascending V, then one of G descending −log D(G(z))
    (Goodfellow et al. 2014, Algorithm 1 with Section 3's cost): checks
    ``step(G, D, opt_d=..., opt_g=..., data=..., noise=..., k=..., m=...)``.

    ``data(m)`` and ``noise(m)`` return a fresh minibatch of m real samples and of m noise vectors
    z ∼ p_z(z); D returns logits. The step is run for two iterations with k = 1 and k = 3 and the
    parameters of G and D compared with Algorithm 1 written out here, and with the classic bugs.
    """
    if not callable(step):
        raise _not_callable(step)
    m = 16
    for k in (1, 3):

        def student(G, D, opt_g, opt_d, data, noise, k=k):
            with _without_ganlib(_("your training step"), allowed=("ganlib.models",)):
                step(G, D, opt_d=opt_d, opt_g=opt_g, data=data, noise=noise, k=k, m=m)

        got, data_calls, noise_calls, d_after = _step_outcome(student, k, m)
        want = _step_outcome(lambda *a, k=k: _algorithm1(*a, k, m), k, m)[0]
        if _same(got, want):
            continue
        where = _("With k = {k}, after two iterations:").format(k=k)
        for bug, message in _STEP_BUGS.items():
            wrong = _step_outcome(lambda *a, k=k, bug=bug: _algorithm1(*a, k, m, bug), k, m)[0]
            if _same(got, wrong):
                raise CheckFailed(f"{where} {_(message)}")
        if len(d_after) != 2 * k:
            raise CheckFailed(
                where
                + " "
                + _(
                    "D's optimiser stepped {steps} times, expected 2k = {expected}: D takes k "
                    "steps per iteration, G one."
                ).format(steps=len(d_after), expected=2 * k)
            )
        n_g = len(got) - len(d_after[-1])
        if not _same(d_after[-1], got[n_g:]):
            raise CheckFailed(f"{where} {_(_STEP_BUGS['G moves D'])}")
        if data_calls != 2 * k or noise_calls != 2 * (k + 1):
            raise CheckFailed(
                where
                + " "
                + _(
                    "data was sampled {data_calls} times and noise {noise_calls} times; "
                    "Algorithm 1 samples data k = {k} times and noise k + 1 = {k1} times per "
                    "iteration (a fresh minibatch for each step of D and one for G)."
                ).format(data_calls=data_calls, noise_calls=noise_calls, k=k, k1=k + 1)
            )
        raise CheckFailed(
            where
            + " "
            + _(
                "G's and D's parameters differ from Algorithm 1's and match none of the usual "
                "bugs; check each line against the paper's box (chapter 5)."
            )
        )
    return _("check_training_step: k = 1 and k = 3 agree with Algorithm 1 over two iterations ✓")
