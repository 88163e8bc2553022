"""The sandbox a student's notebook runs in when `make grade` grades it (bubblewrap, `bwrap`).

What the student's code can reach there: the Python it runs on (the interpreter, this checkout's
environment and ``ganlib``, read-only), the system's libraries (read-only), and one folder of its
own (``/student``: the grading notebook, read-only, and what it writes, in a capped tmpfs). Not
the other submissions, not the grades or the feedback, not the rest of the checkout (the
instructor's chapters hold the model answers), no other process (a PID namespace of its own), no
network, no capability, and a cap on its number of processes where the pids cgroup can be written
(as root), so that an endless fork stops there.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["MAX_PROCESSES", "WORK", "command", "pids_cgroup", "unavailable"]

WORK = "/student"  # the submission's own folder, as the sandbox sees it
MAX_PROCESSES = 256  # a kernel and its threads need about 40; an endless fork stops here
# Read-only system folders, where they exist; of /etc only what Python and matplotlib read
# (as root, a user namespace reads every root-owned file it can see: /etc/shadow stays out).
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "passwd", "group",
        "nsswitch.conf", "hosts", "mime.types", "ssl/openssl.cnf")  # fmt: skip


def _python_paths() -> list[str]:
    """The interpreter, its environment and ganlib's source (an editable install points there)."""
    paths = {sys.base_prefix, sys.prefix, str(Path(sys.executable).parent)}
    spec = importlib.util.find_spec("ganlib")  # found without importing it (and torch)
    if spec is not None and spec.submodule_search_locations:
        paths.update(spec.submodule_search_locations)
    paths.discard("/")
    # An enclosing folder covers what is inside it: bind each only once.
    ordered = sorted(os.path.realpath(p) for p in paths)
    return [p for i, p in enumerate(ordered) if not any(p.startswith(q + "/") for q in ordered[:i])]


def _sized(size_mb: int | None) -> list[str]:
    """A writable tmpfs of ``size_mb`` (bwrap 0.5 and later): files there cannot fill the RAM."""
    if size_mb is None or not _has_size_option():
        return ["--perms", "01777"]
    return ["--size", str(size_mb * 2**20), "--perms", "01777"]


@functools.cache
def _has_size_option() -> bool:
    done = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=60)
    return "--size" in done.stdout + done.stderr


def command(
    work: Path, argv: list[str], env: dict[str, str], size_mb: int | None = None
) -> list[str]:
    """``argv`` run in the sandbox, as nobody; ``work``'s files read-only in its ``/student``.

    ``/student`` (its working folder and HOME) and ``/tmp`` are each a tmpfs of at most
    ``size_mb``: what it writes stays in the sandbox, and ends with it.
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise FileNotFoundError("bwrap (Debian's bubblewrap) is not installed")
    # --as-pid-1: argv is the namespace's init, which its own children can neither signal nor
    # (once it makes itself undumpable) read: nothing but argv holds its stdout to the grader.
    cmd = [bwrap, "--unshare-all", "--uid", "65534", "--gid", "65534", "--die-with-parent",
           "--as-pid-1", "--new-session", "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev",
           *_sized(size_mb), "--tmpfs", "/tmp", "--clearenv"]  # fmt: skip
    for path in _SYSTEM:
        if os.path.islink(path):  # /lib is a link to /usr/lib on merged-/usr systems
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.exists(path):
            cmd += ["--ro-bind", path, path]
    for name in _ETC:
        if os.path.exists(f"/etc/{name}"):
            cmd += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for path in _python_paths():
        cmd += ["--ro-bind", path, path]
    cmd += [*_sized(size_mb), "--tmpfs", WORK]
    for path in sorted(work.iterdir()):
        cmd += ["--ro-bind", str(path), f"{WORK}/{path.name}"]
    cmd += ["--chdir", WORK]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return [*cmd, "--", *argv]


def unavailable() -> str | None:
    """Why the sandbox cannot run here (bwrap missing, or user namespaces off), or None."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (Debian: apt-get install bubblewrap)"
    with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as work:
        probe = command(Path(work), [sys.executable, "-I", "-c", "import nbclient"], {})
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    if done.returncode:
        return f"bwrap cannot start a sandbox here: {done.stderr.strip()[-300:]}"
    return None


@contextlib.contextmanager
def pids_cgroup(name: str) -> Iterator[Path | None]:
    """A pids cgroup holding at most MAX_PROCESSES, for the sandbox to join; None if not allowed.

    cgroup v1's pids hierarchy or a cgroup v2 root with the pids controller; writing either needs
    root. Removed when the block ends (the sandbox's processes have all ended by then).
    """
    group = None
    for root in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        try:
            candidate = root / name
            candidate.mkdir()
        except OSError:
            continue
        try:
            (candidate / "pids.max").write_text(str(MAX_PROCESSES))
            group = candidate
            break
        except OSError:
            candidate.rmdir()
    try:
        yield group
    finally:
        # The sandbox's last processes may still be exiting: an rmdir then fails with EBUSY.
        for _ in range(100 if group is not None else 0):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.05)
