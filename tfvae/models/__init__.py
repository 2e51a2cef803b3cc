"""Latent variable models, their regularizers and presets."""

from tfvae.models import presets, regularizers
from tfvae.models.base import LatentVariableModel
from tfvae.models.contrastive import ContrastiveVAE
from tfvae.models.vae import VAE

__all__ = ["ContrastiveVAE", "LatentVariableModel", "VAE", "presets", "regularizers"]
