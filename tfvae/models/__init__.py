"""Latent variable models."""

from tfvae.models.base import LatentVariableModel
from tfvae.models.vae import VAE

__all__ = ["LatentVariableModel", "VAE"]
