"""tfvae: variational autoencoders in Keras 3 with TFP distributions.

Importing tfvae has no side effects beyond importing TensorFlow, Keras and TFP.
"""

from tfvae import callbacks, diagnostics, layers, metrics, networks, schedules
from tfvae.models import VAE, ContrastiveVAE, LatentVariableModel, presets, regularizers

__version__ = "0.2.0"

__all__ = [
    "ContrastiveVAE",
    "VAE",
    "LatentVariableModel",
    "callbacks",
    "diagnostics",
    "layers",
    "metrics",
    "networks",
    "presets",
    "regularizers",
    "schedules",
    "__version__",
]
