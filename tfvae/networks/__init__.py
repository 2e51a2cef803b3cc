"""Encoder and decoder builders; any Keras model with matching shapes works too."""

from tfvae.networks.additive import AdditiveDecoder
from tfvae.networks.background_basis import BackgroundBasis
from tfvae.networks.conv import conv_decoder, conv_encoder
from tfvae.networks.factory import ARCHITECTURES, build_decoder, build_encoder, check_network_output
from tfvae.networks.mlp import mlp_decoder, mlp_encoder
from tfvae.networks.residual_texture import ResidualTexture
from tfvae.networks.skip import with_linear_skip

__all__ = [
    "AdditiveDecoder",
    "BackgroundBasis",
    "ARCHITECTURES",
    "build_decoder",
    "build_encoder",
    "check_network_output",
    "conv_decoder",
    "conv_encoder",
    "mlp_decoder",
    "mlp_encoder",
    "ResidualTexture",
    "with_linear_skip",
]
