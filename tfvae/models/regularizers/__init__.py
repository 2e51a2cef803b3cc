"""Regularizers of the contrastive VAE: one object per file, each beside its math.

Pass them as `ContrastiveVAE(..., regularizers=[...])`; see `base.Regularizer`
for the interface a new one implements.
"""

from tfvae.models.regularizers.base import Regularizer
from tfvae.models.regularizers.invariance import (
    BackgroundSwapInvariance,
    background_swap_penalty,
    salient_spread,
    swap_background,
)
from tfvae.models.regularizers.mask_area import MaskArea
from tfvae.models.regularizers.mmd import DEFAULT_BANDWIDTHS, BackgroundMMD, SalientMMD, mmd, rbf_kernel
from tfvae.models.regularizers.tc import (
    TCDiscriminator,
    TotalCorrelation,
    discriminator_loss,
    permute_dims,
    total_correlation,
)
from tfvae.models.regularizers.wasserstein import Wasserstein, squared_w2_to_origin

__all__ = [
    "DEFAULT_BANDWIDTHS",
    "BackgroundMMD",
    "BackgroundSwapInvariance",
    "MaskArea",
    "Regularizer",
    "SalientMMD",
    "TCDiscriminator",
    "TotalCorrelation",
    "Wasserstein",
    "background_swap_penalty",
    "discriminator_loss",
    "mmd",
    "permute_dims",
    "rbf_kernel",
    "salient_spread",
    "squared_w2_to_origin",
    "swap_background",
    "total_correlation",
]
