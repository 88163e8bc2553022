"""The README and the guides hold no dated number: measurements live in benchmarks/RESULTS.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ("README.md", "CONTRIBUTING.md", "book/instructor.md")

# What a measurement looks like when it is quoted with its day: a date, a commit, a duration read
# off a clock ("9 min 56 s", "163.8 s"). A budget ("≤ 90 s") is a decision, not a measurement.
DATED = {
    "a date": re.compile(
        r"\b20\d\d-\d\d-\d\d\b|\b(?:January|February|March|April|May|June|July|"
        r"August|September|October|November|December) 20\d\d\b"
    ),
    "a commit": re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b"),
    "a measured duration": re.compile(r"\b\d+ min \d+ s\b|\b\d+\.\d+ s\b|\b\d+(?:\.\d+)?× faster"),
    "a day": re.compile(r"\b(?:that|this) (?:morning|afternoon|evening|night)\b|\btoday\b", re.I),
}


@pytest.mark.parametrize("name", GUIDES)
def test_guides_hold_no_dated_number(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    found = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {what} ({m.group(0)!r})"
        for what, pattern in DATED.items()
        for m in pattern.finditer(text)
    ]
    assert not found, "measurements belong in benchmarks/RESULTS.md:\n" + "\n".join(found)


def test_the_readme_fits_one_screenful_of_sections() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 120, f"README.md has {len(lines)} lines; the details go to CONTRIBUTING.md"


def test_the_rule_bites() -> None:
    """The patterns catch the lab-diary sentences the README once held."""
    diary = "9 min 56 s on 2026-12-06 (13b5100); chapter 7 took 56.6 s that afternoon"
    hits = {what for what, pattern in DATED.items() if pattern.search(diary)}
    assert hits == set(DATED)
