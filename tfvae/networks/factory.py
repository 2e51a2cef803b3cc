"""Chooses the encoder/decoder builders by architecture name, and checks user networks."""

import tensorflow as tf

from tfvae.networks.conv import conv_decoder, conv_encoder
from tfvae.networks.mlp import mlp_decoder, mlp_encoder

ARCHITECTURES = {"mlp": (mlp_encoder, mlp_decoder), "conv": (conv_encoder, conv_decoder)}


def choose_architecture(architecture, input_shape, network_kwargs=None):
    """The architecture for `input_shape`: `"auto"` gives conv for images `(H, W, C)`
    whose sides divide by the conv networks' stride product (4 by default), mlp
    otherwise; `"mlp"` and `"conv"` are returned as given.

    Raises:
        ValueError: an unknown name.
    """
    if architecture != "auto":
        _builders(architecture)
        return architecture
    options = dict(network_kwargs or {})
    factor = int(options.get("strides", 2)) ** len(tuple(options.get("filters", (32, 64))))
    image = len(input_shape) == 3 and input_shape[0] % factor == 0 and input_shape[1] % factor == 0
    return "conv" if image else "mlp"


def _builders(architecture):
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be 'auto' or one of {sorted(ARCHITECTURES)}, got {architecture!r}.")
    return ARCHITECTURES[architecture]


def build_encoder(architecture, input_shape, output_size, name="encoder", **network_kwargs):
    """Builds the `architecture` encoder mapping `(B, *input_shape)` to `(B, output_size)`."""
    return _builders(architecture)[0](input_shape, output_size, name=name, **network_kwargs)


def build_decoder(architecture, latent_dim, output_shape, params_per_dim, name="decoder", **network_kwargs):
    """Builds the `architecture` decoder; an MLP decoder mirrors the encoder's widths."""
    kwargs = dict(network_kwargs)
    if architecture == "mlp" and "hidden_units" in kwargs:
        kwargs["hidden_units"] = tuple(reversed(tuple(kwargs["hidden_units"])))
    return _builders(architecture)[1](latent_dim, output_shape, params_per_dim, name=name, **kwargs)


def check_network_output(network, input_shape, expected_size, role):
    """Runs `network` on one zero example and checks it returns `(1, expected_size)`.

    Also builds subclassed networks, so their weights exist before training or loading.
    """
    out = network(tf.zeros((1, *input_shape)))
    if not hasattr(out, "shape") or out.shape.rank is None:
        raise ValueError(f"{role} must return one tensor, got {type(out).__name__}.")
    size = 1
    for d in out.shape[1:]:
        size *= int(d)
    if out.shape[0] != 1 or size != expected_size:
        raise ValueError(
            f"{role} maps (1, {', '.join(map(str, input_shape))}) to {tuple(out.shape)}, "
            f"but the distribution layer needs {expected_size} parameters per example."
        )
