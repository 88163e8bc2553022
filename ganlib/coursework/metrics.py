"""The measures of the later chapters as exercises: mode coverage (chapter 6), the nearest
training image (Figure 2), the Parzen window estimate (Table 1). Each check runs the student's
function one case at a time and stops at the first case that disagrees.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ganlib.language import _

from .engine import CheckFailed, _as_tensor, _call, _diagnose, _fmt, _pair


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

    def same(got, want):
        return got[0] == want[0] and abs(got[1] - want[1]) < 1e-9

    def report(case, want, got, mistake):
        return _("{case}: expected (modes, quality) = {want}, yours is {got}: {hint}").format(
            case=case,
            want=f"({want[0]}, {want[1]:.4g})",
            got=f"({got[0]:g}, {got[1]:.4g})",
            hint=mistake
            if mistake is not None
            else _("compare your steps with the definition at the start of chapter 6."),
        )

    what = _("mode coverage")
    for label, x in cases:
        got = _pair(_call(coverage, what, x.clone(), centers.clone(), std), what)
        _diagnose([(label, (x,))], [got], measure, mistakes, report, same)
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

    # An answer is (distances, indices, tolerance on the distances); None matches anything.
    def brute(x, t):
        return torch.cdist(x.double(), t.double())

    def right(x, t):
        dist, index = brute(x, t).min(dim=1)
        return dist, index, 1e-5

    def same(got, answer):
        want_d, want_i, atol = answer
        return (want_d is None or torch.allclose(got[0], want_d, atol=atol)) and (
            want_i is None or torch.equal(got[1], want_i)
        )

    farthest = _("those are the farthest training images; the nearest is the argmin.")
    float32 = _(
        "close but not exact: float32 arithmetic leaves about 1e-3 for identical images; "
        "compute in float64 (.double())."
    )
    # Right distances with wrong indices come first: where every distance is 0 (or 1), the
    # distances are their own squares, and that is not the mistake of squaring them.
    mistakes = [
        (lambda x, t: (right(x, t)[0], brute(x, t).argmax(dim=1), 1e-5), farthest),
        (lambda x, t: (right(x, t)[0], None, 1e-5), float32),
        (lambda x, t: (right(x, t)[0] ** 2, None, 1e-5),
         _("those are squared distances; take the square root (torch.cdist does).")),
        (lambda x, t: (None, brute(x, t).argmax(dim=1), 0.0), farthest),
        (lambda x, t: (right(x, t)[0], None, 1e-2), float32),
        (lambda x, t: (None, right(x, t)[1], 0.0),
         _("compare your distance with sqrt(sum((s - t)²)) over the pixels.")),
    ]  # fmt: skip

    def report(case, want, got, mistake):
        return _(
            "{case}: expected distances {want} at indices {want_index}, yours are {got} at "
            "{got_index}: {hint}"
        ).format(
            case=case,
            want=_fmt(want[0]),
            want_index=want[1][:4].tolist(),
            got=_fmt(got[0]),
            got_index=got[1][:4].tolist(),
            hint=mistake
            if mistake is not None
            else _(
                "the distances may be right but the indices are not those of the nearest image."
            ),
        )

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
        if dist.shape != (len(x),) or index.shape != (len(x),):
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
        _diagnose([(label, (x, train))], [(dist, index.long())], right, mistakes, report, same)
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

    def report(case, want, got, mistake):
        return _("{case}: expected {want}, yours is {got}: {hint}").format(
            case=case,
            want=_fmt(want),
            got=_fmt(got),
            hint=mistake
            if mistake is not None
            else _("it matches none of the usual mistakes; compare your formula with the text."),
        )

    what = _("Parzen estimate")
    for label, args in cases:
        s, x, sig = args
        got = _as_tensor(_call(parzen, what, s.clone(), x.clone(), sig), what, (len(x),))
        _diagnose([(label, args)], [got], right, mistakes, report)
    return _("check_parzen: all {n} cases agree with the log-sum-exp formula ✓").format(
        n=len(cases)
    )
