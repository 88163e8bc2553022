"""ganlib: Generative Adversarial Nets (Goodfellow et al., 2014) in small PyTorch modules.

One module per idea of the paper: ``distributions`` (p_data), ``models`` (G and D),
``losses`` (Eq. 1 from logits), ``theory`` (Section 4: D*, C(G), JSD), ``train`` (Algorithm 1)
and ``checkpoint``.
"""

from . import distributions, losses, models, theory
from .checkpoint import load_checkpoint, save_checkpoint
from .device import default_device
from .distributions import Gaussian, GaussianMixture, grid, ring
from .losses import discriminator_loss, generator_loss
from .models import Discriminator, Generator
from .theory import jensen_shannon, optimal_discriminator, value_function, virtual_criterion
from .train import History, TrainingDiverged, train

__version__ = "0.1.0"

__all__ = [
    "Discriminator",
    "Gaussian",
    "GaussianMixture",
    "Generator",
    "History",
    "TrainingDiverged",
    "default_device",
    "discriminator_loss",
    "distributions",
    "generator_loss",
    "grid",
    "jensen_shannon",
    "load_checkpoint",
    "losses",
    "models",
    "optimal_discriminator",
    "ring",
    "save_checkpoint",
    "theory",
    "train",
    "value_function",
    "virtual_criterion",
]
