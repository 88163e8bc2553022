"""What may cross from a submission's kernel to the grader (ganlib.coursework.byvalue).

Values cross as JSON and raw bytes, decoded with nothing but ``json`` and ``torch.frombuffer``;
everything else is refused on both sides. The checks give the same verdicts on a function called
by value as on the function itself, through the real ``serve`` on a loopback line.
"""

from __future__ import annotations

import base64
import json
import math
import sys

import numpy as np
import pytest
import torch
from torch import nn

import ganlib.coursework as coursework
from ganlib.coursework import byvalue
from ganlib.coursework.byvalue import NotAValue, Remote, decode, encode


def _bits(value: object) -> object:
    """The exact bytes of a value (NaN, -0.0 and the dtype included), for comparison."""
    if isinstance(value, torch.Tensor):
        return (str(value.dtype), tuple(value.shape), value.contiguous().numpy().tobytes())
    if isinstance(value, np.ndarray | np.generic):
        return (type(value).__name__, np.asarray(value).dtype.str, np.asarray(value).tobytes())
    if isinstance(value, tuple | list):
        return (type(value).__name__, [_bits(v) for v in value])
    if isinstance(value, dict):
        return {k: _bits(v) for k, v in value.items()}
    return (type(value).__name__, repr(value))


def _across(value: object) -> object:
    return decode(json.loads(json.dumps(encode(value))))


@pytest.mark.parametrize(
    "value",
    [
        torch.tensor([1.5, -0.0, math.nan, math.inf, -math.inf, 1e-310], dtype=torch.float64),
        torch.randn(3, 4, generator=torch.Generator().manual_seed(0)),
        torch.arange(6, dtype=torch.int64).reshape(2, 3),
        torch.tensor([True, False]),
        torch.zeros(0, 3, dtype=torch.uint8),
        torch.tensor(2.5, dtype=torch.float16),
        np.linspace(0, 1, 5),
        np.float32(1.25),
        np.int64(7),
        (1, 2.5, "two", None, True, [3, {"a": -4.0}]),
        math.nan,
    ],
)
def test_values_cross_exactly(value):
    assert _bits(_across(value)) == _bits(value)


def test_what_a_student_function_returns_crosses_as_plain_data():
    x = torch.tensor([[3.0, 1.0], [0.0, 2.0]], requires_grad=True) * 2
    found = _across(x.min(dim=1))  # torch.return_types.min, a tensor with a graph: a plain tuple
    assert type(found) is tuple and torch.equal(found[0], torch.tensor([2.0, 0.0]))
    assert torch.equal(_across(x.t()), x.detach().t())  # not contiguous
    assert _across(torch.tensor([1.5], dtype=torch.bfloat16)).dtype == torch.float32

    class Yes(float):
        def __eq__(self, other):
            return True

    assert type(_across(Yes(0.5))) is float and _across(Yes(0.5)) != 0.25


class AlwaysEqual:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize(
    "value",
    [AlwaysEqual(), nn.Linear(1, 1), torch.ones(2, dtype=torch.complex64), len, {1: 2.0},
     torch.eye(2).to_sparse(), np.array(["a"], dtype=object)],
)  # fmt: skip
def test_anything_else_is_refused_on_the_way_out(value):
    with pytest.raises(NotAValue):
        encode(value)


def _tensor(dtype="float64", shape=(2,), raw=b"\0" * 16):
    return {"tensor": [dtype, list(shape), base64.b64encode(raw).decode()]}


@pytest.mark.parametrize(
    "obj",
    [
        [1.0, 2.0],  # a bare list: only tagged ones
        {"tuple": [], "list": []},
        {"pickle": "gASVAAAAAAAAAAA="},
        {"tensor": ["float64", [2]]},
        _tensor(dtype="object"),
        _tensor(dtype="complex64"),
        _tensor(shape=(3,)),  # 16 bytes are not 3 float64
        _tensor(shape=(-2, -1)),
        _tensor(shape=(2.0,)),
        {"tensor": ["float64", [2], "not base64!"]},
        {"ndarray": ["|O", [1], "AA=="]},
        {"dict": [["a", 1]]},
        {"list": [{"list": [{"tuple": [{"pickle": 1}]}]}]},
        json.loads('{"list": ' * 40 + "[]" + "}" * 40),
    ],
)
def test_anything_else_is_refused_on_the_way_in(obj):
    with pytest.raises((NotAValue, ValueError)):
        decode(obj)


class Loopback:
    """A Channel to byvalue.serve in this process, as the sandbox's kernel would run it."""

    def __init__(self, monkeypatch, **functions):
        import IPython.display

        self.replies: list[dict] = []
        self.requests: list[dict] = []
        monkeypatch.setattr(IPython.display, "display", lambda d, raw: self.replies.append(d))
        for name, fn in functions.items():
            monkeypatch.setattr(sys.modules["__main__"], name, fn, raising=False)

    def ask(self, request: dict) -> dict:
        self.requests.append(request)
        byvalue.serve(json.dumps(request))
        return json.loads(json.dumps(self.replies.pop()[byvalue.MIME]))


def _right_v(d_real, d_fake):
    return d_real.log().mean() + torch.log1p(-d_fake).mean()


def _no_log(d_real, d_fake):
    return d_real.mean() + (1 - d_fake).mean()


def test_a_check_by_value_gives_the_verdicts_it_gives_in_the_kernel(monkeypatch):
    line = Loopback(monkeypatch, my_v=_right_v, my_wrong_v=_no_log)
    remote, wrong = Remote("my_v", line), Remote("my_wrong_v", line)
    assert coursework.check_value_function(remote) == coursework.check_value_function(_right_v)
    with pytest.raises(coursework.CheckFailed) as in_kernel:
        coursework.check_value_function(_no_log)
    with pytest.raises(coursework.CheckFailed) as by_value:
        coursework.check_value_function(wrong)
    assert str(by_value.value) == str(in_kernel.value) and "forget the log" in str(by_value.value)
    # The check's no-ganlib rule went along with each call, and was applied in the kernel.
    assert line.requests[0]["guard"][0] == "your function for V"
    import ganlib

    monkeypatch.setattr(sys.modules["__main__"], "my_v", ganlib.value_function)
    with pytest.raises(coursework.CheckFailed, match=r"calls ganlib\.theory\.value_function"):
        coursework.check_value_function(remote)


def test_a_step_of_algorithm_1_is_checked_by_value(monkeypatch):
    import nbformat

    from checkout import chapters

    nb = nbformat.read(chapters(["05_training"])[0], as_version=4)
    model = next(c for c in nb.cells if "def my_training_step" in c.source).source
    loss = next(c for c in nb.cells if "def my_discriminator_loss" in c.source).source
    namespace = {"torch": torch}
    exec(loss + "\n" + model, namespace)
    step = namespace["my_training_step"]
    line = Loopback(monkeypatch, my_step=step)
    assert "agree with Algorithm 1" in coursework.check_training_step(Remote("my_step", line))
    assert line.requests[0]["harness"].endswith("training_step:_student_outcome")
    monkeypatch.setattr(sys.modules["__main__"], "my_step", lambda *a, **kw: None)  # no step
    with pytest.raises(coursework.CheckFailed, match="stepped 0 times"):
        coursework.check_training_step(Remote("my_step", line))


def test_a_failure_in_the_kernel_comes_back_by_name_only(monkeypatch):
    replies = iter(
        [
            {"error": ["CheckFailed", "your function returned None"]},
            {"error": ["NotImplementedError", ""]},
            {"error": ["os.system('x')", "boom"]},
            {"value": 1.0, "points": 100},
            {"error": ["ZeroDivisionError", "division by zero"]},
        ]
    )

    class Replies:
        def ask(self, request):
            return next(replies)

    fn = Remote("my_v", Replies())
    with pytest.raises(coursework.CheckFailed, match="returned None"):
        fn()
    with pytest.raises(NotImplementedError):
        fn()
    with pytest.raises(Exception) as unnamed:
        fn()
    assert type(unnamed.value).__name__ == "Error" and str(unnamed.value) == "boom"
    with pytest.raises(NotAValue, match="points"):
        fn()
    with pytest.raises(Exception) as named:
        fn()
    assert type(named.value).__name__ == "ZeroDivisionError"
    assert not isinstance(named.value, ZeroDivisionError)  # a class of its own, not the builtin
