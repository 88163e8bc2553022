"""Per-chapter execution times against their budgets: `make timings` (exit 1 when one is over).

Usage: python -m tools.timings [chapter ...]

Each chapter runs once in a fresh kernel, as a reader's "Run all" would. The budgets are for a
2-core CPU with nothing else running; a loaded machine measures more, so budgets are checked
here, never in the tests.
"""

from __future__ import annotations

import sys

import nbformat

from checkout import chapters
from tools.execution import execute, fresh_run_cache

# The budgets (CONTRIBUTING.md): chapter 1 60 s, chapter 6 180 s (ten-GAN populations,
# compute-bound), every other chapter 90 s.
BUDGET_S = {"01_value_function": 60, "06_mode_collapse": 180}
DEFAULT_BUDGET_S = 90


def main(names: list[str]) -> int:
    rows, total, over = [], 0.0, []
    for path in chapters(names):
        seconds = execute(nbformat.read(path, as_version=4), path)
        budget = BUDGET_S.get(path.stem, DEFAULT_BUDGET_S)
        total += seconds
        if seconds > budget:
            over.append(path.stem)
        rows.append(
            f"| {path.stem} | {seconds:6.1f} | {budget} | {'over' if seconds > budget else 'ok'} |"
        )
        print(rows[-1], flush=True)
    print(f"| all chapters | {total:6.1f} | | |")
    if over:
        print(f"over budget: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    print("| chapter | seconds | budget | |\n| --- | ---: | ---: | --- |", flush=True)
    with fresh_run_cache():  # chapter 8 loads chapter 7's GANs, as in a reader's session
        sys.exit(main(sys.argv[1:]))
