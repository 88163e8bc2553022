"""Every claim about a trained result fails when the training is taken away: `make controls`.

Usage: python -m tools.controls [--jobs 2] [chapter ...]

Each chapter runs natively in a fresh kernel in which no optimizer moves a parameter: every
``step()`` of every ``torch.optim`` optimizer does nothing. That reaches all training a chapter
does, through ``ganlib.train``, ``ganlib.fit_discriminator``, populations, or a loop written out
by hand, and it keeps every loop's length, callbacks and histories, so the chapter runs to its end
on players that keep their initial parameters. Every assert in a cell tagged ``trained-claim``
(tools/claims.py) must then fail; the command exits 1 and names each claim that still holds, and
each that did not run because its cell failed before it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from checkout import chapters
from tools import chapter_numbers
from tools.claims import Claim, chapter_cell, held, instrument, outcomes
from tools.execution import environment, errors, execute, fresh_run_cache

# Run first in each control kernel, before the chapter's own first cell.
NO_TRAINING = """
import torch
import torch.optim
from torch.optim.optimizer import register_optimizer_step_pre_hook


def __no_step__(self, closure=None):
    # The control: the optimizer's step is taken away, so its parameters never move.
    if closure is not None:
        with torch.enable_grad():
            return closure()
    return None


def __optimizers__(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from __optimizers__(sub)


__controlled__ = set(__optimizers__(torch.optim.Optimizer))
for __cls in __controlled__:
    __cls.step = __no_step__


def __only_controlled__(optimizer, args, kwargs):
    if type(optimizer) not in __controlled__:  # a class defined after this cell ran
        raise RuntimeError(f"the control does not cover {type(optimizer).__name__}")


register_optimizer_step_pre_hook(__only_controlled__)
"""
# make test's slowest chapter first, so that the two workers finish together.
FIRST = ("06_mode_collapse", "07_images", "05_training")


def control(
    path: Path, every: bool = False
) -> tuple[list[Claim], dict[str, list[str]], list[str], float, dict[str, float]]:
    """One chapter without training: its claims, what each did, the cells' errors, seconds, and
    the numbers it computed (the control values to print beside the trained ones)."""
    nb = nbformat.read(path, as_version=4)
    claims = instrument(nb, setup=NO_TRAINING, every=every)
    nb.cells.append(nbformat.v4.new_code_cell(chapter_numbers.CELL))
    with environment({"OMP_NUM_THREADS": "1"}):  # two kernels side by side on two cores
        seconds = execute(nb, path, timeout=1200, allow_errors=True)
    numbers = chapter_numbers.reported(nb)
    # errors() numbers the instrumented cells: one more than the chapter's own, for the setup
    failed_cells = [chapter_cell(e) for e in errors(nb)]
    if any(e.startswith("cell -1:") for e in failed_cells):
        raise RuntimeError(f"the control's setup failed in {path.stem}: {failed_cells[0]}")
    return claims, outcomes(nb), failed_cells, seconds, numbers


def verdicts(claims: list[Claim], done: dict[str, list[str]]) -> list[tuple[str, Claim]]:
    """("fails", claim) for each claim that failed without training, else why not."""
    found = []
    for claim in claims:
        results = done.get(claim.key)
        if not results:
            found.append(("DID NOT RUN", claim))
        elif held(results):
            found.append(("HOLDS UNTRAINED", claim))
        else:
            found.append(("fails", claim))
    return found


# Fresh worker processes: a fork of this one would share its ZeroMQ state with the kernels' clients.
_SPAWN = multiprocessing.get_context("spawn")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*")
    parser.add_argument("--jobs", type=int, default=2, help="chapters run at once (default 2)")
    parser.add_argument(
        "--every-assert",
        action="store_true",
        help="judge every assert, tagged or not: which ones depend on training at all",
    )
    parser.add_argument("--json", help="write every number each chapter computed untrained here")
    args = parser.parse_args()
    paths = chapters(args.chapters)
    paths.sort(key=lambda p: FIRST.index(p.stem) if p.stem in FIRST else len(FIRST))
    start, bad, total, numbers = time.perf_counter(), [], 0, {}
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=_SPAWN) as pool:
        runs = {path: pool.submit(control, path, args.every_assert) for path in paths}
        for path in sorted(paths):
            claims, done, failed_cells, seconds, numbers[path.stem] = runs[path].result()
            judged = verdicts(claims, done)
            total += len(judged)
            ok = sum(v == "fails" for v, _ in judged)
            print(
                f"{path.stem}: {ok} of {len(judged)} claims fail without training ({seconds:.0f} s)",
                flush=True,
            )
            for verdict, claim in judged:
                print(f"  {verdict:<15} {claim.key}: {claim.source}", flush=True)
                if verdict != "fails":
                    bad.append(f"{path.stem} {claim.key}: {verdict}: {claim.source}")
            if any(v == "DID NOT RUN" for v, _ in judged):
                print("  cells that failed before their claims:", *failed_cells, sep="\n    ")
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=1))
    print(f"\n{total} claims, {time.perf_counter() - start:.0f} s")
    if bad:
        print("claims that do not fail without training:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 1
    print("every claim fails without training")
    return 0


if __name__ == "__main__":
    with fresh_run_cache():  # chapter 8 loads chapter 7's untrained runs, never trained ones
        sys.exit(main())
