"""Inside the sandbox: execute one grading notebook and hand it back on stdout, as JSON.

Run by teaching.grade as ``python -I -c <this file's text> NOTEBOOK CELL_TIMEOUT`` (the sandbox
sees no checkout, so nothing here imports the book's code). The student's kernel gets /dev/null
as its stdout and cannot open this process's files (it is not dumpable), so what comes back on
stdout is what nbclient recorded. The grader scores it in its own process.
"""

import ctypes
import json
import os
import sys


def main(notebook: str, cell_timeout: int) -> None:
    result = os.fdopen(os.dup(1), "w")  # stdout, to the grader (not inherited by the kernel)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    try:  # PR_SET_DUMPABLE = 4: /proc/<this process>/fd and /mem closed to the kernel
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        kernel_name="python3", resources={"metadata": {"path": os.path.dirname(notebook)}},
    )  # fmt: skip
    try:
        client.execute()
        status = "graded"
    except Exception as e:  # the kernel died (memory), or nbclient gave up
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        status = f"kernel failed: {type(e).__name__}: {first}"
    json.dump({"status": status, "notebook": nb}, result)
    result.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
