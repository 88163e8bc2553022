"""The chapters' claims about trained results: every assert in a code cell tagged ``trained-claim``.

A chapter tags a cell ``trained-claim`` when each assert in it checks something that training
produced (a trained network, a run's history, samples of a trained G). Asserts on closed forms,
shapes, exercises or the equality of two ways of computing one thing stay in untagged cells.
Such a claim is evidence only if it fails when the training did not happen: `make controls`
(tools/controls.py) runs every chapter with its training taken away and requires every claim to
fail; `make seeds` (tools/seed_sweep.py) prints each claim's pass rate over many seeds.

Both execute a copy of the chapter in which each tagged assert is rewritten to record its outcome
instead of raising, so that every claim of a cell is judged, not only the first to fail. An
exception raised while the assert's own condition is evaluated is that claim failing; an error
earlier in the cell leaves the claims after it unrun, and they are reported as such.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass

import nbformat

TAG = "trained-claim"
MARK = "TRAINED-CLAIMS:"
_RECORD = "__trained_claim__"
_OUTCOMES = "__trained_claims__"

# The first cell of an instrumented chapter: where outcomes go. Nothing in it prints.
_SETUP = f"""
{_OUTCOMES} = {{}}
def {_RECORD}(key, condition):
    try:
        outcome = "passed" if condition() else "failed"
    except Exception as error:  # raised by the claim's own condition: the claim fails
        outcome = "failed: " + type(error).__name__ + ": " + str(error)[:200]
    {_OUTCOMES}.setdefault(key, []).append(outcome)
"""
_REPORT = f"""
import json as _json
print({MARK!r} + _json.dumps({_OUTCOMES}))
"""


@dataclass(frozen=True)
class Claim:
    """One tagged assert: where it is (its chapter's code cell and line) and its condition."""

    key: str  # "cell 19, line 3": the chapter's cell (0-based) and the line in it; each part of
    # `assert a and b` is a claim of its own, "cell 19, line 3 (1 of 2)"
    source: str  # the asserted condition, as written


_NO_ARGUMENTS = ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


class _Recording(ast.NodeTransformer):
    def __init__(self, cell: int):
        self.cell = cell
        self.claims: list[Claim] = []

    def visit_Assert(self, node: ast.Assert) -> list[ast.stmt]:
        # `assert a and b` is two claims: each must fail without training on its own.
        test = node.test
        is_and = isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And)
        parts = test.values if is_and else [test]
        calls = []
        for j, part in enumerate(parts, start=1):
            key = f"cell {self.cell}, line {node.lineno}"
            if len(parts) > 1:
                key += f" ({j} of {len(parts)})"
            self.claims.append(Claim(key, ast.unparse(part)))
            condition = ast.Lambda(args=_NO_ARGUMENTS, body=part)
            call = ast.Call(ast.Name(_RECORD, ast.Load()), [ast.Constant(key), condition], [])
            calls.append(ast.copy_location(ast.Expr(call), node))
        return calls


def tagged(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and TAG in cell.get("metadata", {}).get("tags", [])


def claims_of(nb: nbformat.NotebookNode) -> list[Claim]:
    """Every tagged assert of a chapter, in order; a tagged cell without one is an error."""
    return _rewrite(nb, in_place=False)


def _rewrite(nb: nbformat.NotebookNode, in_place: bool, every: bool = False) -> list[Claim]:
    found = []
    for i, cell in enumerate(nb.cells):
        if not (tagged(cell) or (every and cell.cell_type == "code" and "assert" in cell.source)):
            continue
        recording = _Recording(i)
        tree = recording.visit(ast.parse(cell.source))
        if not recording.claims and not every:
            raise ValueError(f"cell {i} is tagged {TAG!r} but has no assert")
        found += recording.claims
        if in_place:
            cell.source = ast.unparse(ast.fix_missing_locations(tree))
    return found


def instrument(nb: nbformat.NotebookNode, setup: str = "", every: bool = False) -> list[Claim]:
    """Rewrite ``nb`` in place so that its run records every claim; returns the claims.

    ``setup`` runs first, before the chapter (the controls' training switch). Cell indices in
    the claims' keys are those of the chapter as written. With ``every``, every assert of the
    chapter counts as a claim (to find the untagged ones that depend on training).
    """
    found = _rewrite(nb, in_place=True, every=every)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_SETUP + setup))
    nb.cells.append(nbformat.v4.new_code_cell(_REPORT))
    return found


def outcomes(nb: nbformat.NotebookNode) -> dict[str, list[str]]:
    """What each claim did in an instrumented, executed notebook: one outcome per evaluation
    ("passed", "failed" or "failed: <the error>"); a claim that never ran is absent."""
    for cell in reversed(nb.cells):
        text = "".join(o.get("text", "") for o in cell.get("outputs", []))
        if MARK in text:
            return json.loads(text.split(MARK, 1)[1].splitlines()[0])
    return {}  # the kernel died before the report


def chapter_cell(error: str) -> str:
    """An error line of tools.execution.errors() for an instrumented chapter, with the cell
    numbered as in the chapter itself (instrument() put one cell before the chapter's own)."""
    head, _, rest = error.partition(":")
    return f"cell {int(head.split()[1]) - 1}:{rest}" if head.startswith("cell ") else error


def held(results: list[str]) -> bool:
    """A claim holds in a run when every evaluation of it passed (as an assert would)."""
    return bool(results) and all(r == "passed" for r in results)
