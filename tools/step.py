"""One step of `make test` under its own time limit: `python -m tools.step NAME SECONDS -- CMD ...`.

Prints the step's time when it ends. A step over its limit is stopped (its whole process group,
kernels included) with a message naming the step, its limit and how long it ran; the exit code
is the command's, or 124 for a step stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--" or not argv[1].isdigit():
        print("usage: python -m tools.step NAME SECONDS -- COMMAND ...", file=sys.stderr)
        return 2
    name, limit, command = argv[0], int(argv[1]), argv[3:]
    print(f"== {name}: started (limit {limit} s)", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, start_new_session=True)
    try:
        code = process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        seconds = time.perf_counter() - start
        print(f"== {name}: stopped after {seconds:.0f} s, over its limit of {limit} s: this "
              "machine is too slow for the step, or something in it hung", flush=True)  # fmt: skip
        return 124
    seconds = time.perf_counter() - start
    print(f"== {name}: {'done' if code == 0 else f'failed (exit {code})'} in {seconds:.0f} s",
          flush=True)  # fmt: skip
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
