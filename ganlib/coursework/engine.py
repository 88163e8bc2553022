"""The checking engine: inputs, the no-ganlib rule, the student's answers, and the diagnosis.

A check runs the student's function on its cases (:func:`_run`, :func:`_call`), compares each
answer with the formula written out in the check, and :func:`_diagnose` names the first case that
differs and the typical mistake the answer agrees with.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from ganlib.language import _

from .byvalue import GUARD

_REL, _ABS = 1e-6, 1e-9


class CheckFailed(AssertionError):
    """A student's function disagrees with the paper's formula; the message says how."""

    # A failing check's traceback names it where the reader imports it from.
    __module__ = "ganlib.coursework"


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


Case = tuple[str, tuple]  # (how the case reads in a message, the arguments it passes)
Mistake = tuple[Callable[..., object], str]  # (the answer a typical mistake gives, its name)
Report = Callable[[str, Any, Any, str | None], str]  # (case, want, got, mistake) -> its words


def _diagnose(
    cases: Sequence[Case],
    got: Sequence[object],
    right: Callable[..., object],
    mistakes: Sequence[Mistake],
    report: Report,
    same: Callable[[object, object], bool] = _close,
) -> None:
    """Raise CheckFailed naming the first wrong case, and the mistake every case agrees with.

    ``right`` and each mistake map a case's arguments to an answer that ``same`` compares with
    the student's; ``report`` words the failure, with the mistake's name or None for no match.
    """
    want = [right(*args) for _, args in cases]
    if all(same(g, w) for g, w in zip(got, want, strict=True)):
        return
    i = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if not same(g, w))
    found = None
    for mistake, message in mistakes:
        with torch.no_grad():
            wrong = [mistake(*args) for _, args in cases]
        if all(same(g, w) for g, w in zip(got, wrong, strict=True)):
            found = message
            break
    raise CheckFailed(report(cases[i][0], want[i], got[i], found))


def _should_be(what: str) -> Report:
    """The formula checks' wording: "{what} {case} should be {want}, yours is {got}: …"."""

    def report(case: str, want: torch.Tensor, got: torch.Tensor, mistake: str | None) -> str:
        if mistake is not None:
            message = _("{what} {case} should be {want}, yours is {got}: {mistake}")
        elif torch.isfinite(got).all():
            message = _(
                "{what} {case} should be {want}, yours is {got}. It matches none of the usual "
                "mistakes; compare your formula with the text term by term."
            )
        else:
            message = _(
                "{what} {case} should be {want}, yours is {got} (not finite). It matches none of the "
                "usual mistakes; compare your formula with the text term by term."
            )
        return message.format(what=what, case=case, want=_fmt(want), got=_fmt(got), mistake=mistake)

    return report


@contextmanager
def _without_ganlib(what: str, allowed: tuple[str, ...] = ()) -> Iterator[None]:
    """Fail when the code run inside calls a ganlib function (other than the ``allowed`` modules).

    A profile hook sees every Python call; ganlib's functions are recognised by the module their
    code belongs to, so an alias, a lambda or a ``functools.partial`` around them is caught too.
    """
    calls: list[str] = []
    ours = f"{__package__}."  # the checks' own code: the samplers and hooks a check hands over

    def profile(frame, event, arg):
        if event == "call" and not calls:
            module = frame.f_globals.get("__name__", "")
            if (
                module.startswith("ganlib.")
                and not f"{module}.".startswith(ours)
                and module not in allowed
            ):
                calls.append(f"{module}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(profile)
    token = GUARD.set((what, allowed))  # a Remote function takes the rule along (byvalue.py)
    try:
        yield
    finally:
        GUARD.reset(token)
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
