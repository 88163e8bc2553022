"""The checkout, defined once: its root folder, the book's chapters, and which of them run together.

Imported by the instructor tools (teaching/), the Korean edition (translation/), the maintenance
scripts (tools/) and the tests; it imports nothing of theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PATTERN = "[0-9][0-9]_*.ipynb"  # notebooks/NN_slug.ipynb: the one definition of a chapter
# Chapter 8 loads the GANs chapter 7 trained from ganlib's run cache (train(reuse=True)): run
# apart from the other chapters, these go together, in this order.
SHARED_RUNS = ("07_images", "08_evaluation")


def chapters(names: Sequence[str] = (), *, root: Path = ROOT) -> list[Path]:
    """The chapters named (paths or stems) in book order, or all of them: notebooks/NN_*.ipynb."""
    every = sorted((root / "notebooks").glob(PATTERN))
    if not names:
        return every
    found = []
    for name in names:
        path = Path(name)
        if not path.exists():
            path = root / "notebooks" / f"{Path(name).stem}.ipynb"
        if not path.exists():
            raise SystemExit(f"no chapter {name!r}; chapters: {[p.stem for p in every]}")
        found.append(path)
    return found


def run_groups(names: Sequence[str]) -> list[list[str]]:
    """The chapters (stems) as groups to run one session each: alone, but SHARED_RUNS together."""
    groups = [[n] for n in names if n not in SHARED_RUNS]
    groups.append([n for n in names if n in SHARED_RUNS])
    return [group for group in groups if group]
