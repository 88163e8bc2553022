"""The student's functions called by value, so that a grade is reached outside the student's process.

`make grade` runs a submission's cells in a sandbox, and the instructor's test cells in the
grader's own process (teaching/judge.py), where each of the student's functions is a
:class:`Remote`. Calling it sends the arguments, by value, to the submission's kernel; there
:func:`serve` calls the student's function and sends back what it returned, by value: numbers,
strings, tensors and arrays, and tuples, lists and dicts of them. Nothing else travels (an object
with an ``__eq__`` that agrees with everything is refused), and the grader's side decodes
with JSON and ``torch.frombuffer`` only, never pickle. The checks, the references, the points and
the messages all run in the grader's process, which no student code ever ran in.

A check whose cases cannot travel (Algorithm 1's players, optimisers and samplers) runs its
"cases → the student's outputs" half where the student's function is (:func:`outputs`) and its
"outputs → verdict" half where it is called: in the kernel for the reader, in the grader's
process for a grade.
"""

from __future__ import annotations

import base64
import importlib
import json
import math
import os
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import numpy as np
import torch

from ganlib.language import _

MIME = "application/x-ganlib-reply+json"  # how serve hands its reply to teaching/sandbox_runner.py
_DEPTH = 32
_TENSOR_DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (torch.float64, torch.float32, torch.float16, torch.int64, torch.int32, torch.int16,
              torch.int8, torch.uint8, torch.bool)
}  # fmt: skip
_ARRAY_DTYPES = {"<f8", "<f4", "<f2", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1"}

# The no-ganlib rule in force where a check calls the student's function (engine._without_ganlib):
# a Remote call takes it along, and serve applies it in the student's kernel.
GUARD: ContextVar[tuple[str, tuple[str, ...]] | None] = ContextVar("ganlib_guard", default=None)


class NotAValue(TypeError):
    """What a function returned (or was handed) cannot travel by value."""


def encode(value: object, depth: int = 0) -> object:
    """``value`` as JSON: plain numbers and strings, or a one-key dict naming what it holds."""
    if depth > _DEPTH:
        raise NotAValue(f"nested more than {_DEPTH} deep")
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float):  # np.float64 too
        return float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().resolve_conj().resolve_neg()
        if t.dtype == torch.bfloat16:
            t = t.float()
        name = str(t.dtype).removeprefix("torch.")
        if name not in _TENSOR_DTYPES or t.layout != torch.strided:
            raise NotAValue(f"a {t.layout} tensor of {t.dtype}")
        raw = t.contiguous().numpy().tobytes()
        return {"tensor": [name, list(t.shape), base64.b64encode(raw).decode()]}
    if isinstance(value, np.ndarray | np.generic):
        a = np.asarray(value)
        if a.dtype.str not in _ARRAY_DTYPES:
            raise NotAValue(f"an array of {a.dtype}")
        raw = np.ascontiguousarray(a).tobytes()
        kind = "scalar" if isinstance(value, np.generic) else "ndarray"
        return {kind: [a.dtype.str, list(a.shape), base64.b64encode(raw).decode()]}
    if isinstance(value, tuple | list):  # a named tuple (torch.return_types.min) as a tuple
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict) and all(type(k) is str for k in value):
        return {"dict": {k: encode(v, depth + 1) for k, v in value.items()}}
    raise NotAValue(f"a {type(value).__name__}")


def _raw(spec: object, sizes: Callable[[str], int | None]) -> tuple[str, list[int], bytes]:
    if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str)):
        raise NotAValue("a malformed array")
    dtype, shape, data = spec
    itemsize = sizes(dtype)
    if itemsize is None or not isinstance(shape, list) or not isinstance(data, str):
        raise NotAValue(f"an array of {dtype!r}")
    if len(shape) > _DEPTH or not all(type(n) is int and n >= 0 for n in shape):
        raise NotAValue(f"an array of shape {shape!r}")
    raw = base64.b64decode(data, validate=True)
    if len(raw) != math.prod(shape) * itemsize:
        raise NotAValue(f"{len(raw)} bytes for an array of shape {shape} and {dtype}")
    return dtype, shape, raw


def decode(obj: object, depth: int = 0) -> object:
    """The value :func:`encode` wrote, built from JSON alone; anything else raises NotAValue."""
    if depth > _DEPTH:
        raise NotAValue(f"nested more than {_DEPTH} deep")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if not (type(obj) is dict and len(obj) == 1):
        raise NotAValue(f"a {type(obj).__name__} where a value was expected")
    ((kind, spec),) = obj.items()
    if kind == "tensor":
        dtype, shape, raw = _raw(
            spec, lambda d: _TENSOR_DTYPES[d].itemsize if d in _TENSOR_DTYPES else None
        )
        flat = (
            torch.frombuffer(bytearray(raw), dtype=_TENSOR_DTYPES[dtype])
            if raw
            else torch.empty(0, dtype=_TENSOR_DTYPES[dtype])
        )
        return flat.reshape(shape)
    if kind in ("ndarray", "scalar"):
        dtype, shape, raw = _raw(
            spec, lambda d: np.dtype(d).itemsize if d in _ARRAY_DTYPES else None
        )
        a = np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()
        return a[()] if kind == "scalar" else a
    if kind in ("tuple", "list") and type(spec) is list:
        items = [decode(v, depth + 1) for v in spec]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and type(spec) is dict:
        return {str(k): decode(v, depth + 1) for k, v in spec.items()}
    raise NotAValue(f"an unknown kind of value {kind!r}")


def _error(name: object, message: object) -> Exception:
    """The exception the student's code raised, rebuilt by name (its own class, never theirs)."""
    from .engine import CheckFailed

    text = str(message)[:2000]
    if name == "CheckFailed":
        return CheckFailed(text)
    if name == "NotImplementedError":
        return NotImplementedError(text)
    name = name if isinstance(name, str) and name.isidentifier() and len(name) <= 80 else "Error"
    return type(name, (Exception,), {"__module__": "submission"})(text)


class Channel:
    """The grader's end of the line to the sandbox: one JSON request out, one reply in."""

    def __init__(self, read_fd: int, write_fd: int, max_bytes: int) -> None:
        self.read_fd, self.write_fd, self.max_bytes = read_fd, write_fd, max_bytes
        self.pending = b""
        self.closed: str | None = None

    def ask(self, request: dict) -> dict:
        if self.closed:
            raise RuntimeError(self.closed)
        data = memoryview(json.dumps(request).encode() + b"\n")
        while data:  # (a pipe may take a large request in parts)
            data = data[os.write(self.write_fd, data) :]
        while b"\n" not in self.pending:
            if len(self.pending) > self.max_bytes:
                self.closed = f"the submission's reply exceeded {self.max_bytes} bytes"
                raise RuntimeError(self.closed)
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                self.closed = "the submission's kernel stopped answering (it died or was killed)"
                raise RuntimeError(self.closed)
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        reply = json.loads(line)
        if type(reply) is not dict:
            raise NotAValue("a reply that is not a JSON object")
        return reply


class Remote:
    """The student's function ``name``, living in the sandbox's kernel, called by value."""

    def __init__(self, name: str, channel: Channel) -> None:
        self.name, self.channel = name, channel

    def __repr__(self) -> str:
        return f"<the submission's {self.name}>"

    def _ask(self, harness: str | None, args: tuple, kwargs: dict) -> object:
        guard = GUARD.get()
        request = {
            "call": self.name,
            "harness": harness,
            "guard": None if guard is None else [guard[0], list(guard[1])],
            "args": [encode(a) for a in args],
            "kwargs": {k: encode(v) for k, v in kwargs.items()},
        }
        reply = self.channel.ask(request)
        if set(reply) == {"value"}:
            return decode(reply["value"])
        error = reply.get("error")
        if set(reply) == {"error"} and type(error) is list and len(error) == 2:
            raise _error(*error)
        raise NotAValue(f"a reply with keys {sorted(reply)[:5]}")

    def __call__(self, *args: Any, **kwargs: Any) -> object:
        return self._ask(None, args, kwargs)

    def outputs(self, harness: Callable, *args: Any) -> object:
        return self._ask(f"{harness.__module__}:{harness.__qualname__}", args, {})


def outputs(fn: Callable, harness: Callable, *args: Any) -> Any:
    """``harness(fn, *args)``: the student's outputs for a check's cases, run where ``fn`` lives.

    ``harness`` is a function of ``ganlib.coursework`` that calls ``fn`` and returns values that
    travel (:func:`encode`); for a :class:`Remote` it runs in the submission's kernel.
    """
    if isinstance(fn, Remote):
        return fn.outputs(harness, *args)
    return harness(fn, *args)


def serve(request: str) -> None:
    """In the submission's kernel: call the student's function as asked and display the reply."""
    from IPython import get_ipython
    from IPython.display import display

    from .engine import _without_ganlib

    asked = json.loads(request)
    try:
        shell = get_ipython()
        namespace = (
            shell.user_ns if shell is not None else vars(importlib.import_module("__main__"))
        )
        if asked["call"] not in namespace:
            raise NameError(f"name {asked['call']!r} is not defined")
        fn = namespace[asked["call"]]
        args = [decode(a) for a in asked["args"]]
        kwargs = {k: decode(v) for k, v in asked["kwargs"].items()}
        if asked["harness"]:
            module, name = asked["harness"].split(":")
            if not module.startswith(f"{__package__}."):
                raise ValueError(f"not a harness of {__package__}: {module}")
            value = getattr(importlib.import_module(module), name)(fn, *args, **kwargs)
        elif asked["guard"]:
            with _without_ganlib(asked["guard"][0], tuple(asked["guard"][1])):
                value = fn(*args, **kwargs)
        else:
            value = fn(*args, **kwargs)
        reply = {"value": encode(value)}
    except Exception as e:  # the student's error, or a value that cannot travel: by name
        if isinstance(e, NotAValue):
            e = TypeError(
                _("{function} returned {what}, which cannot be graded: return numbers or tensors")
                .format(function=asked.get("call"), what=e)
            )  # fmt: skip
        reply = {"error": [type(e).__name__, str(e)]}
    display({MIME: reply}, raw=True)
