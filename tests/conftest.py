import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
COLAB_KERNEL = "gan-book-colab"  # `make test` registers it: the Colab-like environment


def pytest_configure(config):
    # nbval runs the chapters in the kernel `make test` names (--nbval-kernel-name), else here.
    if not config.getoption("nbval_kernel_name", None):
        config.option.nbval_current_env = True


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same random state, so a failure reproduces."""
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The website, built from scratch as `make book` builds it (every chapter executed).

    BUILT_SITE=_build/html tests a site built before instead (an author's shortcut; `make test`
    always builds afresh).
    """
    if os.environ.get("BUILT_SITE"):
        return Path(os.environ["BUILT_SITE"]).resolve()
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    cmd = [jupyter_book, "build", ROOT, "--path-output", out, "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, (result.stdout[-6000:], result.stderr[-6000:])
    return out / "_build" / "html"
