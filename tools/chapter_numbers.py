"""Every number a chapter leaves in its namespace, printed by its kernel after its last cell.

`make seeds` (tools/seed_sweep.py) quotes each number's range over seeds and machines, and `make
controls` (tools/controls.py) the value each took untrained. Both append ``CELL`` to the chapter:
it runs this file in the kernel (``runpy``, in a namespace of its own, so nothing of the
chapter's is overwritten) and ``report`` prints one line, ``MARK`` and a JSON object, which
``reported`` reads back from the executed notebook.

A number is a float or an int (not a bool), or, of a list or tuple of them (None, e.g. a
diverged run, skipped) its smallest and largest, or of a floating-point tensor its smallest,
median (more than two elements) and largest; a dict's values are numbers named ``NAME[KEY]``,
and each column of a 2-D tensor with 2 to 8 columns (one row per seed, one column per
quantity) is ``NAME[:, J]``. Names starting with ``_``, upper-case names and callables are
left out.
"""

import json
from pathlib import Path

MARK = "SEED-SWEEP:"
# The cell appended to the chapter: its only name (``_runpy``) is one that is left out.
CELL = f"import runpy as _runpy\n_runpy.run_path({str(Path(__file__))!r})['report'](globals())\n"


def numbers(value) -> list[float]:
    """The number, or the smallest, (median) and largest of the numbers, ``value`` holds."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if type(value).__name__ == "Tensor" and value.is_floating_point() and value.numel():
        if value.numel() > 2:
            return [float(value.min()), float(value.median()), float(value.max())]
        return [float(value.min()), float(value.max())] if value.numel() > 1 else [float(value)]
    if (
        isinstance(value, list | tuple)
        and value
        and all(x is None or isinstance(x, int | float) for x in value)
    ):
        xs = [float(x) for x in value if x is not None and not isinstance(x, bool)]
        return [min(xs), max(xs)] if xs else []
    return []


def named(name: str, value):
    """(name, number) for each number of ``value``: ``NAME``, or ``NAME min``, ``NAME max``…"""
    if type(value).__name__ == "Tensor" and value.ndim == 2 and 1 < value.shape[1] <= 8:
        for j in range(value.shape[1]):  # e.g. one row per seed, one column per quantity
            yield from named(f"{name}[:, {j}]", value[:, j])
        return
    xs = numbers(value)
    if len(xs) == 1:
        yield name, xs[0]
    elif len(xs) == 2:
        yield f"{name} min", xs[0]
        yield f"{name} max", xs[1]
    elif len(xs) == 3:
        yield f"{name} min", xs[0]
        yield f"{name} median", xs[1]
        yield f"{name} max", xs[2]


def every_number(namespace: dict):
    """(name, number) for every number of the chapter's namespace, in its order."""
    for name, value in list(namespace.items()):
        if name.startswith("_") or name.isupper() or callable(value):
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                yield from named(f"{name}[{key}]", item)
        else:
            yield from named(name, value)


def report(namespace: dict) -> None:
    """Print (in the chapter's kernel) the line ``reported`` reads: MARK and every number."""
    print(MARK + json.dumps(dict(every_number(namespace))))


def reported(nb) -> dict[str, float]:
    """The numbers an executed chapter with ``CELL`` last reported; {} where it did not run."""
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    line = text.split(MARK, 1)[1].splitlines()[0] if MARK in text else "{}"  # (stderr may follow)
    return json.loads(line)
