"""ganlib: Generative Adversarial Nets (Goodfellow et al., 2014) in small PyTorch modules.

One module per idea of the paper: ``distributions`` (p_data), ``models`` (G and D),
``losses`` (Eq. 1 from logits), ``theory`` (Section 4: D*, C(G), JSD), ``train`` (Algorithm 1),
``metrics`` (distances between samples), ``figures`` (Figure 1) and ``checkpoint``.
"""

from . import distributions, figures, losses, metrics, models, theory
from .checkpoint import load_checkpoint, save_checkpoint
from .device import default_device
from .distributions import Gaussian, GaussianMixture, grid, mixture, ring
from .figures import Snapshots, animate_figure1, figure1
from .losses import discriminator_loss, generator_loss
from .metrics import mode_coverage, wasserstein_1d
from .models import Discriminator, Generator
from .theory import (
    high_mass_interval,
    jensen_shannon,
    optimal_discriminator,
    value_function,
    virtual_criterion,
)
from .train import History, TrainingDiverged, fit_discriminator, train

__version__ = "0.1.0"

__all__ = [
    "Discriminator",
    "Gaussian",
    "GaussianMixture",
    "Generator",
    "History",
    "Snapshots",
    "TrainingDiverged",
    "animate_figure1",
    "default_device",
    "discriminator_loss",
    "distributions",
    "figure1",
    "figures",
    "fit_discriminator",
    "generator_loss",
    "grid",
    "high_mass_interval",
    "jensen_shannon",
    "load_checkpoint",
    "losses",
    "metrics",
    "mixture",
    "mode_coverage",
    "models",
    "optimal_discriminator",
    "ring",
    "save_checkpoint",
    "theory",
    "train",
    "value_function",
    "virtual_criterion",
    "wasserstein_1d",
]
