"""ganlib: Generative Adversarial Nets (Goodfellow et al., 2014) in small PyTorch modules.

One module per idea of the paper: ``distributions`` (p_data), ``models`` (G and D),
``losses`` (Eq. 1 from logits), ``theory`` (Section 4: D*, C(G), JSD), ``algorithm1``
(Algorithm 1: ``train``), ``population`` (N independent players trained at once), ``data``
(digits and MNIST), ``metrics`` (distances, Parzen log-likelihood: Table 1), ``figures``
(Figure 1), ``images`` (Figures 2 and 3), ``checkpoint``, and ``coursework`` (feedback on the exercises, not part of the paper);
``runtime`` holds how a run executes (its random stream, its CPU threads), ``run_cache`` where a
finished run is kept for ``train(..., reuse=True)``.
"""

from . import (
    algorithm1,
    coursework,
    data,
    distributions,
    figures,
    images,
    losses,
    metrics,
    models,
    theory,
)
from .algorithm1 import History, Settings, TrainingDiverged, fit_discriminator, train
from .checkpoint import load_checkpoint, save_checkpoint
from .device import default_device
from .distributions import Gaussian, GaussianMixture, grid, mixture, ring
from .figures import Snapshots, animate_figure1, figure1
from .losses import discriminator_loss, generator_loss
from .metrics import (
    mode_coverage,
    parzen_log_likelihood,
    precision_recall,
    select_sigma,
    wasserstein_1d,
)
from .models import Discriminator, Generator, paper_networks
from .population import Population, population
from .theory import (
    high_mass_interval,
    jensen_shannon,
    optimal_discriminator,
    value_function,
    virtual_criterion,
)

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
    "algorithm1",
    "animate_figure1",
    "coursework",
    "data",
    "default_device",
    "discriminator_loss",
    "distributions",
    "figure1",
    "figures",
    "fit_discriminator",
    "generator_loss",
    "grid",
    "high_mass_interval",
    "images",
    "jensen_shannon",
    "load_checkpoint",
    "losses",
    "metrics",
    "mixture",
    "mode_coverage",
    "models",
    "optimal_discriminator",
    "paper_networks",
    "parzen_log_likelihood",
    "population",
    "precision_recall",
    "ring",
    "save_checkpoint",
    "select_sigma",
    "theory",
    "train",
    "value_function",
    "virtual_criterion",
    "wasserstein_1d",
]
