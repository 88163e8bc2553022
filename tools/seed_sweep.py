"""Run chapters on several seeds and on an emulated other CPU: `make seeds`.

Usage: python -m tools.seed_sweep [--seeds 0-4] [--other-cpu "VAR=value ..."] [--json FILE]
                                  [--jobs 2] [chapter ...]

Every assert in a chapter must hold on every seed and on every machine, not only on the run
whose outputs are stored. This executes each chapter with ``SEED = s`` for each seed, natively
and, with ``--other-cpu``, again with those variables set (the Makefile's OTHER_CPU: another x86
CPU emulated on this one); it fails if any run raises, and prints, for every number the chapter
leaves in its namespace (tools/chapter_numbers.py), its range over the runs: the spread to quote
next to a claim ("gap 0.01–0.03 over 5 seeds; we assert ≤ 0.05") and to keep thresholds clear
of. Every claim about a trained result (an assert in a cell tagged ``trained-claim``,
tools/claims.py) is judged on its own, not only the first of its cell to fail, and its pass rate
over the runs is printed: the evidence for a threshold that holds with ≥ 99 % probability per
run. With ``--jobs 2`` two runs go side by side, each on one CPU thread.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor

import nbformat

from checkout import chapters
from tools import chapter_numbers
from tools.claims import Claim, chapter_cell, held, instrument, outcomes
from tools.execution import environment, errors, execute, fresh_run_cache, with_seed


def run(path, seed: int, env: dict[str, str]) -> tuple[dict[str, float], list[str], dict]:
    """The chapter's floats on this seed, the cells that failed (execution goes on past them,
    so a failing run still reports its numbers) and which claims held (tools/claims.py)."""
    nb = with_seed(nbformat.read(path, as_version=4), seed)
    claims = instrument(nb)
    nb.cells.append(nbformat.v4.new_code_cell(chapter_numbers.CELL))
    with environment(env):
        try:
            execute(nb, path, timeout=1200, allow_errors=True)
        except Exception as error:  # a cell over its time limit, a dead kernel: this run fails
            return {}, [f"the run did not finish: {type(error).__name__}: {error}"[:300]], {}
    done = outcomes(nb)
    verdict = {c.key: held(done.get(c.key, [])) for c in claims}
    failures = [chapter_cell(e) for e in errors(nb)]
    failures += [f"{c.key}: claim failed: {c.source}" for c in claims if not verdict[c.key]]
    return chapter_numbers.reported(nb), failures, verdict


def _claims(path) -> list[Claim]:
    return instrument(nbformat.read(path, as_version=4))


def seeds(spec: str) -> list[int]:
    lo, _, hi = spec.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


# Fresh worker processes: a fork of this one would share its ZeroMQ state with the kernels' clients.
_SPAWN = multiprocessing.get_context("spawn")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*")
    parser.add_argument("--seeds", default="0-4", help="a seed or a range, e.g. 0-4 (default)")
    parser.add_argument(
        "--other-cpu", default="", help='also run with these variables set: "VAR=value ..."'
    )
    parser.add_argument("--json", help="also write every value of every run to this file")
    parser.add_argument("--jobs", type=int, default=1, help="runs side by side (default 1)")
    args = parser.parse_args()
    other_cpu = dict(kv.split("=", 1) for kv in args.other_cpu.split())
    machines = {"native": {}, "other CPU": other_cpu} if other_cpu else {"native": {}}
    if args.jobs > 1:  # one CPU thread per kernel, as make test's two workers
        machines = {m: {**env, "OMP_NUM_THREADS": "1"} for m, env in machines.items()}
    failed, everything = [], {}
    for path in chapters(args.chapters):
        values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        rates: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
        jobs = [(m, env, seed) for m, env in machines.items() for seed in seeds(args.seeds)]
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=_SPAWN) as pool:
            futures = [pool.submit(run, path, seed, env) for _, env, seed in jobs]
            for (machine, _, seed), future in zip(jobs, futures, strict=True):
                floats, failures, verdict = future.result()
                for name, v in floats.items():
                    values[name][machine].append(v)
                for key, ok in verdict.items():
                    rates[key][machine].append(ok)
                for failure in failures:
                    failed.append(f"{path.stem} seed {seed} ({machine}) {failure}")
                    print(f"FAILED {failed[-1]}", flush=True)
                held_claims = sum(verdict.values())
                print(
                    f"run {path.stem} seed {seed} ({machine}): {held_claims} of {len(verdict)} "
                    f"claims held, {len(failures)} failures",
                    flush=True,
                )
        everything[path.stem] = values
        claims = {c.key: c for c in _claims(path)}
        if claims:
            print(f"\n{path.stem}: how often each claim held (seeds {args.seeds})", flush=True)
        for key, by_machine in rates.items():
            counts = "   ".join(f"{m}: {sum(v)}/{len(v)}" for m, v in by_machine.items())
            source = claims[key].source if key in claims else "(changed during the sweep)"
            print(f"  {key:<18} {counts}   {source}", flush=True)
        print(f"\n{path.stem}  (seeds {args.seeds}; range on each machine)", flush=True)
        for name, by_machine in sorted(values.items()):
            every = [v for vs in by_machine.values() for v in vs]
            if max(every) == min(every):
                continue  # a constant: the same on every seed and machine
            ranges = "   ".join(
                f"{m}: {min(vs):.4g} … {max(vs):.4g}" for m, vs in by_machine.items()
            )
            print(f"  {name:<32} {ranges}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)
    if failed:
        print("\nruns that failed:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    print("\nevery run passed")
    return 0


if __name__ == "__main__":
    with fresh_run_cache():  # chapter 8 loads chapter 7's GANs of the same seed and machine
        sys.exit(main())
