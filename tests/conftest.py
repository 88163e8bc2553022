import os
from pathlib import Path

import pytest
import torch
from chapter_runs import ChapterRuns

from checkout import ROOT

COLAB_KERNEL = "gan-book-colab"  # `make test` registers it: the Colab-like environment


def pytest_configure(config):
    # nbval runs the chapters in the kernel `make test` names (--nbval-kernel-name), else here.
    if not config.getoption("nbval_kernel_name", None):
        config.option.nbval_current_env = True
    config.pluginmanager.register(ChapterRuns(), "chapter-runs")


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same random state, so a failure reproduces."""
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def site():
    """The website `make book` built: _build/html, or the folder BUILT_SITE names.

    `make test` builds it (outside pytest, with its own time limit) from the chapters its nbval
    run executed, then runs these tests with `-m site`.
    """
    path = Path(os.environ.get("BUILT_SITE") or ROOT / "_build" / "html").resolve()
    if not (path / "index.html").exists():
        message = f"no website at {path}: run `make book` first (`make test` does)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path
