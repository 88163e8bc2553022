"""`python -m translation` (`make translations`): the Korean edition from the catalogs.

Usage: python -m translation           update the catalogs, write the Korean book (ko/)
       python -m translation --check   exit 1 if ko/ or a catalog is not up to date
       python -m translation export NAME FILE | import FILE | check FILE
                                       (a catalog as plain text for a translator, and back)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from checkout import ROOT
from translation.catalogs import catalog_path, dump, updated
from translation.korean_book import outputs, stale
from translation.review import export, parse, problems, settle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m translation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args(argv)
    if args.command[:1] == ["export"]:
        export(args.command[1], Path(args.command[2]))
        return 0
    if args.command[:1] in (["import"], ["check"]):
        name, pairs = parse(Path(args.command[1]))
        bad = 0
        for english, korean in pairs:
            for problem in problems(english, korean) if korean else []:
                bad += 1
                print(f"{name}: {english[:70]!r}: {problem}")
        missing = sum(1 for _, k in pairs if not k)
        print(f"{name}: {len(pairs)} messages, {missing} untranslated, {bad} problems")
        if args.command[0] == "import":
            catalog = updated(name)
            for english, korean in pairs:
                if korean and english in catalog:
                    settle(catalog, english, korean)
            catalog_path(name).parent.mkdir(parents=True, exist_ok=True)
            catalog_path(name).write_bytes(dump(catalog))
        return 1 if bad else 0
    if args.check:
        changed = stale()
        for path in changed:
            print(f"not up to date: {path.relative_to(ROOT)} (run `make translations`)")
        return 1 if changed else 0
    for path, data in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
