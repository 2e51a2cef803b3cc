"""Encoder and decoder builders; any Keras model with matching shapes works too."""

from tfvae.networks.additive import AdditiveDecoder
from tfvae.networks.conv import conv_decoder, conv_encoder
from tfvae.networks.factory import ARCHITECTURES, build_decoder, build_encoder, check_network_output, choose_architecture
from tfvae.networks.layered import LayeredDecoder
from tfvae.networks.mlp import mlp_decoder, mlp_encoder

__all__ = [
    "AdditiveDecoder",
    "ARCHITECTURES",
    "build_decoder",
    "build_encoder",
    "check_network_output",
    "choose_architecture",
    "conv_decoder",
    "conv_encoder",
    "LayeredDecoder",
    "mlp_decoder",
    "mlp_encoder",
]
