"""Inside the sandbox: run a submission's cells in a kernel, hand them back, then call its functions.

Run by teaching.grade as ``python -I -c <this file's text> NOTEBOOK CELL_TIMEOUT`` (the sandbox
sees no checkout, so nothing here imports the book's code). It executes the notebook (the
chapter's setup cells and the student's cells; the test cells are left empty) and writes it to
stdout as one JSON line. Then it reads requests from stdin, one JSON line each, from the grader's
judge (teaching/judge.py): each is a call of one of the student's functions, which the kernel
makes (``ganlib.coursework.byvalue.serve``); the reply, by value, goes back as one JSON line. The
student's kernel gets /dev/null as its stdin and stdout and cannot open this process's files (it
is not dumpable). Whatever comes back is data to the grader, which reaches every verdict itself.
"""

import asyncio
import ctypes
import json
import os
import sys

MIME = "application/x-ganlib-reply+json"  # ganlib.coursework.byvalue.MIME
SERVE = "__import__('ganlib.coursework.byvalue', fromlist=['serve']).serve({!r})"


def _reply(cell) -> dict:
    """The reply serve displayed, else the error that stopped it (a timeout: KeyboardInterrupt)."""
    for output in reversed(cell.get("outputs", [])):
        if output.get("output_type") == "display_data" and MIME in output.get("data", {}):
            return output["data"][MIME]
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return {"error": [output.get("ename", "Error"), output.get("evalue", "")]}
    return {"error": ["RuntimeError", "the submission's kernel gave no reply"]}


async def main(notebook: str, cell_timeout: int) -> None:
    requests = os.fdopen(os.dup(0), "r")  # from the judge (not inherited by the kernel)
    result = os.fdopen(os.dup(1), "w")  # to the grader, then to the judge
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    try:  # PR_SET_DUMPABLE = 4: /proc/<this process>/fd and /mem closed to the kernel
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    import nbformat
    from nbclient import NotebookClient
    from nbclient.util import ensure_async

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        kernel_name="python3", resources={"metadata": {"path": os.path.dirname(notebook)}},
    )  # fmt: skip
    client.reset_execution_trackers()
    status = "graded"
    try:
        async with client.async_setup_kernel():
            await client.async_wait_for_reply(await ensure_async(client.kc.kernel_info()))
            try:
                for index, cell in enumerate(nb.cells):
                    await client.async_execute_cell(
                        cell, index, execution_count=client.code_cells_executed + 1
                    )
            except Exception as e:  # the kernel died (memory), or nbclient gave up
                first = str(e).strip().splitlines()[0] if str(e).strip() else ""
                status = f"kernel failed: {type(e).__name__}: {first}"
            result.write(json.dumps({"status": status, "notebook": nb}) + "\n")
            result.flush()
            for line in requests:  # until the judge is done and closes the pipe
                if status != "graded":
                    reply = {"error": ["RuntimeError", f"no kernel to call ({status})"]}
                else:
                    nb.cells.append(nbformat.v4.new_code_cell(SERVE.format(line.strip())))
                    try:  # (nbclient writes the executed cell back into nb.cells)
                        await client.async_execute_cell(
                            nb.cells[-1], len(nb.cells) - 1, store_history=False
                        )
                        reply = _reply(nb.cells[-1])
                    except Exception as e:
                        status = f"kernel failed: {type(e).__name__}"
                        reply = {"error": [type(e).__name__, str(e)[:300]]}
                    nb.cells.pop()
                result.write(json.dumps(reply) + "\n")
                result.flush()
    except Exception as e:  # the kernel could not start
        result.write(json.dumps({"status": f"kernel failed: {type(e).__name__}", "notebook": nb}))
        result.write("\n")
    result.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
