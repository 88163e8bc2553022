"""ganlib: Generative Adversarial Nets (Goodfellow et al., 2014) in small PyTorch modules.

The paper's objects, one module an idea: ``distributions`` (p_data), ``models`` (G and D),
``losses`` (Eq. 1 from logits), ``theory`` (Section 4: D*, C(G), JSD), ``algorithm1``
(Algorithm 1: ``iteration``, ``fit_discriminator``), ``training`` (``train``: the outer loop
run ``steps`` times, with its ``Settings`` and ``History``), ``populations`` (N independent
players trained at once), ``metrics`` (distances, Parzen log-likelihood: Table 1),
``figures`` (Figure 1) and ``images`` (Figures 2 and 3), ``data`` (digits and MNIST).

How a run executes, not what it computes: ``settings``, ``history``, ``divergence`` (one policy
for a loss that overflows), ``checkpoint``, ``run_cache`` (a finished run kept for
``train(..., reuse=True)``), ``runtime`` (its random stream and CPU threads), ``minibatches``,
``optimizers``, ``distances``, ``device``. ``coursework`` (feedback on the exercises, not part of
the paper) is imported on first use.
"""

import importlib
from types import ModuleType

from . import data as data
from . import figures as figures
from . import images as images
from . import metrics as metrics
from .algorithm1 import fit_discriminator, iteration
from .device import default_device
from .distributions import Gaussian, GaussianMixture, grid, mixture, ring
from .divergence import TrainingDiverged
from .figures import Snapshots, animate_figure1, figure1
from .history import History
from .losses import discriminator_loss, generator_loss
from .metrics import (
    mode_coverage,
    parzen_log_likelihood,
    precision_recall,
    select_sigma,
    wasserstein_1d,
)
from .models import Discriminator, Generator, paper_networks
from .populations import Population, population
from .settings import Settings
from .theory import (
    high_mass_interval,
    jensen_shannon,
    optimal_discriminator,
    value_function,
    virtual_criterion,
)
from .training import train

__version__ = "0.1.0"

__all__ = [
    "Discriminator",
    "Gaussian",
    "GaussianMixture",
    "Generator",
    "History",
    "Population",
    "Settings",
    "Snapshots",
    "TrainingDiverged",
    "animate_figure1",
    "default_device",
    "discriminator_loss",
    "figure1",
    "fit_discriminator",
    "generator_loss",
    "grid",
    "high_mass_interval",
    "iteration",
    "jensen_shannon",
    "mixture",
    "mode_coverage",
    "optimal_discriminator",
    "paper_networks",
    "parzen_log_likelihood",
    "population",
    "precision_recall",
    "ring",
    "select_sigma",
    "train",
    "value_function",
    "virtual_criterion",
    "wasserstein_1d",
]

_LAZY = ("coursework",)  # feedback on the exercises: imported when a chapter first asks for it


def __getattr__(name: str) -> ModuleType:
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
