"""Run chapters on several seeds and on an emulated other CPU: `make seeds`.

Usage: python -m tools.seed_sweep [--seeds 0-4] [--other-cpu "VAR=value ..."] [--json FILE]
                                  [chapter ...]

Every assert in a chapter must hold on every seed and on every machine, not only on the run
whose outputs are stored. This executes each chapter with ``SEED = s`` for each seed, natively
and, with ``--other-cpu``, again with those variables set (the Makefile's OTHER_CPU: another
x86 CPU emulated on this one); it fails if any run raises, and prints, for every number the
chapter leaves in its namespace, its range over the runs: the spread to quote next to a claim
("gap 0.01–0.03 over 5 seeds; we assert ≤ 0.05") and to keep thresholds clear of.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict

import nbformat

from tools.chapters import chapters, environment, errors, execute, fresh_run_cache, with_seed

MARK = "SEED-SWEEP:"
# Appended to each run: every number the chapter defined, by name: floats and ints, and the
# smallest and largest of a list, tuple or tensor of them (None, e.g. a diverged run, is skipped),
# also inside dicts.
COLLECT = f"""
import json as _json
def _numbers(_v):
    if isinstance(_v, bool):
        return []
    if isinstance(_v, int | float):
        return [float(_v)]
    if type(_v).__name__ == "Tensor" and _v.is_floating_point() and _v.numel():
        return [float(_v.min()), float(_v.max())] if _v.numel() > 1 else [float(_v)]
    if isinstance(_v, list | tuple) and _v and all(x is None or isinstance(x, int | float) for x in _v):
        _xs = [float(x) for x in _v if x is not None and not isinstance(x, bool)]
        return [min(_xs), max(_xs)] if _xs else []
    return []
def _named(_k, _v):
    if type(_v).__name__ == "Tensor" and _v.ndim == 2 and 1 < _v.shape[1] <= 8:
        for _j in range(_v.shape[1]):  # e.g. one row per seed, one column per quantity
            yield from _named(f"{{_k}}[:, {{_j}}]", _v[:, _j])
        return
    _xs = _numbers(_v)
    if len(_xs) == 1:
        yield _k, _xs[0]
    elif len(_xs) == 2:
        yield f"{{_k}} min", _xs[0]
        yield f"{{_k}} max", _xs[1]
def _all(_ns):
    for _k, _v in list(_ns.items()):
        if _k.startswith("_") or _k.isupper() or callable(_v):
            continue
        if isinstance(_v, dict):
            for _kk, _vv in _v.items():
                yield from _named(f"{{_k}}[{{_kk}}]", _vv)
        else:
            yield from _named(_k, _v)
print({MARK!r} + _json.dumps(dict(_all(globals()))))
"""


def run(path, seed: int) -> tuple[dict[str, float], list[str]]:
    """The chapter's floats on this seed, and the cells that failed (execution goes on past
    them, so a failing run still reports its numbers)."""
    nb = with_seed(nbformat.read(path, as_version=4), seed)
    nb.cells.append(nbformat.v4.new_code_cell(COLLECT))
    execute(nb, path, allow_errors=True)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    line = text.split(MARK, 1)[1].splitlines()[0]  # warnings may follow on stderr
    return json.loads(line), errors(nb)


def seeds(spec: str) -> list[int]:
    lo, _, hi = spec.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*")
    parser.add_argument("--seeds", default="0-4", help="a seed or a range, e.g. 0-4 (default)")
    parser.add_argument(
        "--other-cpu", default="", help='also run with these variables set: "VAR=value ..."'
    )
    parser.add_argument("--json", help="also write every value of every run to this file")
    args = parser.parse_args()
    other_cpu = dict(kv.split("=", 1) for kv in args.other_cpu.split())
    machines = {"native": {}, "other CPU": other_cpu} if other_cpu else {"native": {}}
    failed, everything = [], {}
    for path in chapters(args.chapters):
        values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for machine, env in machines.items():
            with environment(env):
                for seed in seeds(args.seeds):
                    floats, failures = run(path, seed)
                    for name, v in floats.items():
                        values[name][machine].append(v)
                    for failure in failures:
                        failed.append(f"{path.stem} seed {seed} ({machine}) {failure}")
                        print(f"FAILED {failed[-1]}", flush=True)
        everything[path.stem] = values
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
