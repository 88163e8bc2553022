"""The grader's half of `make grade`: the instructor's test cells, run where no student code runs.

Run by teaching.grade once per submission, outside the sandbox, as
``python -m teaching.judge JOB RETURNED REPLIES_FD REQUESTS_FD MAX_BYTES``. JOB (JSON) holds the
chapter's setup cells and test cells, from the grader's own copy of the chapter, and the names of
the functions its exercises ask for. The judge runs the setup cells in an IPython shell of its
own, and reads the submission's executed cells from the sandbox (the first line on REPLIES_FD,
written to RETURNED for the grader). It then binds each of those names to a
:class:`ganlib.coursework.byvalue.Remote` and runs each test cell, visible check and hidden tests:
a call of a student's function goes to the submission's kernel over the two pipes, and only its
value comes back. Every comparison, point and message is made here. Each test cell's outputs
(what it printed, its error) go to stdout as JSON, for teaching.grade to score.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path


def _first_line(fd: int, max_bytes: int) -> tuple[bytes | None, str]:
    """The sandbox's first line (its executed cells), or None and why: "output" past
    ``max_bytes``, "none" when the sandbox ended without one."""
    data = bytearray()
    while b"\n" not in data:
        if len(data) > max_bytes:
            return None, "output"
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None, "none"
        data += chunk
    line = bytes(data.split(b"\n", 1)[0])  # (the sandbox writes nothing more until asked)
    return (line, "") if len(line) <= max_bytes else (None, "output")


def main(job_path: str, returned: str, replies_fd: int, requests_fd: int, max_bytes: int) -> None:
    job = json.loads(Path(job_path).read_text())
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from traitlets.config import Config

    from ganlib.coursework.byvalue import Channel, Remote

    config = Config()
    config.HistoryManager.enabled = False  # (no history file in the grader's home)
    shell = InteractiveShell.instance(config=config)
    shell.showtraceback = lambda *args, **kwargs: None  # the error is recorded once, below
    shell.showsyntaxerror = lambda *args, **kwargs: None

    def run(source: str) -> dict:
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=True)
        outputs = [
            {"output_type": "stream", "name": name, "text": text}
            for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr))
            if text
        ]
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            outputs.append({
                "output_type": "error", "ename": type(error).__name__, "evalue": str(error),
                "traceback": traceback.format_exception_only(error),
            })  # fmt: skip
        return {"outputs": outputs, "execution_count": result.execution_count, "failed": error}

    for source in job["setup"]:
        if (failed := run(source)["failed"]) is not None:
            json.dump(
                {"status": f"the chapter's setup failed in the judge: {failed!r}"}, sys.stdout
            )
            return
    line, missing = _first_line(replies_fd, max_bytes)
    if line is None:
        json.dump({"status": missing}, sys.stdout)
        return
    Path(returned).write_bytes(line)
    channel = Channel(replies_fd, requests_fd, max_bytes)
    shell.user_ns.update({name: Remote(name, channel) for name in job["functions"]})
    tests = [run(source) for source in job["tests"]]
    for t in tests:
        t.pop("failed")
    json.dump({"status": "graded", "tests": tests}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
