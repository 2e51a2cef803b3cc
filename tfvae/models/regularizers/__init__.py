"""Regularizers of the contrastive VAE, each a small function of latent samples."""

from tfvae.models.regularizers.cluster import component_log_responsibilities, negative_cluster_information
from tfvae.models.regularizers.invariance import background_swap_penalty, salient_spread, swap_background, swap_contrast
from tfvae.models.regularizers.mmd import DEFAULT_BANDWIDTHS, mmd, rbf_kernel
from tfvae.models.regularizers.tc import TCDiscriminator, discriminator_loss, permute_dims, total_correlation
from tfvae.models.regularizers.wasserstein import squared_w2_to_origin

__all__ = [
    "DEFAULT_BANDWIDTHS",
    "TCDiscriminator",
    "background_swap_penalty",
    "component_log_responsibilities",
    "discriminator_loss",
    "mmd",
    "negative_cluster_information",
    "permute_dims",
    "rbf_kernel",
    "salient_spread",
    "squared_w2_to_origin",
    "swap_background",
    "swap_contrast",
    "total_correlation",
]
