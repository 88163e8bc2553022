"""Hand the chapters `make test` executed to the book build's cache: `python -m tools.book_cache`.

Usage: python -m tools.book_cache [--executed _build/executed] [--cache _build/.jupyter_cache]

nbval's run of the chapters (tests/chapter_runs.py) writes each chapter that passed, with the
outputs a book build would record, to ``_build/executed/``. Stored here in jupyter-cache, the
cache `make book` reads (``execute_notebooks: cache``), each is matched by its code as usual: a
chapter whose code is the same is rendered from these outputs and not executed again; one that
changed, or that did not pass, is executed by the build as always.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from checkout import ROOT, chapters


def cache_executed(executed: Path, cache: Path) -> list[str]:
    """Put every executed chapter in ``executed`` into the cache; the chapters stored."""
    store, stored = get_cache(str(cache)), []
    for path in chapters(root=ROOT):
        done = executed / path.name
        if not done.exists():
            continue
        nb = nbformat.read(done, as_version=4)
        seconds = nb.metadata.get("gan_book", {}).pop("executed_s", None)
        nb.metadata.pop("gan_book", None)
        bundle = CacheBundleIn(nb, str(path), data={"execution_seconds": seconds})
        store.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
        stored.append(path.stem)
    return stored


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executed", type=Path, default=ROOT / "_build" / "executed")
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    args = parser.parse_args(argv)
    stored = cache_executed(args.executed, args.cache)
    missing = [p.stem for p in chapters() if p.stem not in stored]
    print(f"book cache: {len(stored)} chapters executed by the tests", end="")
    print(f"; the build executes {', '.join(missing)}" if missing else "", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
