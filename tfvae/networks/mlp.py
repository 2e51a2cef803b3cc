"""Fully connected encoder and decoder builders (thesis section 2.6.1)."""

import math

import keras



def _as_tuple(units, name):
    units = tuple(int(u) for u in units)
    if any(u <= 0 for u in units):
        raise ValueError(f"{name} must be positive ints, got {units}.")
    return units


def mlp_encoder(
    input_shape, output_size, hidden_units=(256, 128), activation="relu", name="encoder"
):
    """Builds x -> flat posterior parameters.

    Args:
        input_shape: tuple of ints. Shape of one example (any rank; it is flattened).
        output_size: int. Number of posterior parameters (`posterior.params_size()`).
        hidden_units: tuple of ints. Width of each hidden Dense layer.
        activation: str. Hidden activation.
        name: str. Model name.

    Returns:
        A functional `keras.Model` mapping `(B, *input_shape)` to `(B, output_size)`.
    """
    hidden_units = _as_tuple(hidden_units, "hidden_units")
    inputs = keras.Input(shape=tuple(input_shape))
    h = keras.layers.Flatten()(inputs)  # (B, prod(input_shape))
    for units in hidden_units:
        h = keras.layers.Dense(units, activation=activation)(h)
    # Distribution parameters stay float32 under mixed precision.
    outputs = keras.layers.Dense(output_size, dtype="float32")(h)
    return keras.Model(inputs, outputs, name=name)


def mlp_decoder(
    latent_dim, output_shape, params_per_dim, hidden_units=(128, 256), activation="relu", name="decoder"
):
    """Builds z -> flat likelihood parameters.

    Args:
        latent_dim: int. Dimension of z.
        output_shape: tuple of ints. Shape of one example.
        params_per_dim: int. Likelihood parameters per data dimension.
        hidden_units: tuple of ints. Width of each hidden Dense layer.
        activation: str. Hidden activation.
        name: str. Model name.

    Returns:
        A functional `keras.Model` mapping `(B, latent_dim)` to
        `(B, prod(output_shape) * params_per_dim)`.
    """
    hidden_units = _as_tuple(hidden_units, "hidden_units")
    inputs = keras.Input(shape=(int(latent_dim),))
    h = inputs
    for units in hidden_units:
        h = keras.layers.Dense(units, activation=activation)(h)
    size = math.prod(output_shape) * int(params_per_dim)
    outputs = keras.layers.Dense(size, dtype="float32")(h)
    return keras.Model(inputs, outputs, name=name)
