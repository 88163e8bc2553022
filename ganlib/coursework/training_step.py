"""Algorithm 1 as an exercise: one iteration written by the student, checked against the
paper's box written out here and against each classic bug written out the same way.

The check hands the student's step small players, SGD optimizers and samplers that replay fixed
batches, then compares the parameters after two iterations.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.language import N_, _

from .byvalue import outputs
from .engine import CheckFailed, _not_callable, _without_ganlib


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
    """Small G and D initialised from ``seed``, leaving the student's random state as it was."""
    # nn.Linear draws its initial weights from the global CPU generator: seed it inside fork_rng,
    # and only it (torch.manual_seed would reseed the student's accelerator generators too).
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
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


def _student_outcome(step: Callable, k: int, m: int) -> tuple[list[torch.Tensor], int, int, list]:
    """The check's cases → the student's outputs: :func:`_step_outcome` of the student's step.

    Runs where the student's function is (byvalue.outputs): in the sandbox, for a grade.
    """

    def student(G, D, opt_g, opt_d, data, noise):
        with _without_ganlib(_("your training step"), allowed=("ganlib.models", "ganlib._checks")):
            step(G, D, opt_d=opt_d, opt_g=opt_g, data=data, noise=noise, k=k, m=m)

    return _step_outcome(student, k, m)


def one_linear_iteration(
    step: Callable[..., object],
    players: tuple[float, float, float, float],
    batches: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    lr: float,
) -> list[float]:
    """D's (u, c) and G's (w, b) after one iteration of ``step`` (k = 1, SGD with ``lr``) on
    G(z) = w z + b and D(x) = u x + c: a hidden test compares them with gradients by hand.

    ``players`` is (w, b, u, c); ``batches`` the data x, D's noise and G's noise, each (m, 1).
    Runs where ``step`` is (:func:`ganlib.coursework.byvalue.outputs`): in the sandbox, for a grade.
    """
    return outputs(step, _linear_iteration, players, batches, lr)


def _linear_iteration(step, players, batches, lr):
    w, b, u, c = (torch.tensor([[v]], dtype=torch.float64) for v in players)
    G, D = nn.Linear(1, 1).double(), nn.Sequential(nn.Linear(1, 1), nn.Flatten(0)).double()
    with torch.no_grad():
        G.weight.copy_(w), G.bias.copy_(b[0]), D[0].weight.copy_(u), D[0].bias.copy_(c[0])
    x, z_d, z_g = batches
    queues = {"data": [x], "noise": [z_d, z_g]}
    step(
        G, D, k=1, m=len(x),
        opt_d=torch.optim.SGD(D.parameters(), lr=lr), opt_g=torch.optim.SGD(G.parameters(), lr=lr),
        data=lambda m: queues["data"].pop(0), noise=lambda m: queues["noise"].pop(0),
    )  # fmt: skip
    return [D[0].weight.item(), D[0].bias.item(), G.weight.item(), G.bias.item()]


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
        got, data_calls, noise_calls, d_after = outputs(step, _student_outcome, k, m)
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
