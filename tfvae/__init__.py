"""tfvae: variational autoencoders in Keras 3 with TFP distributions.

Importing tfvae has no side effects beyond importing TensorFlow, Keras and TFP.
"""

from tfvae import callbacks, layers, metrics, networks
from tfvae.models import VAE, ContrastiveVAE, LatentVariableModel

__version__ = "0.1.0"

__all__ = ["ContrastiveVAE", "VAE", "LatentVariableModel", "callbacks", "layers", "metrics", "networks", "__version__"]
