"""Convolutional encoder and decoder builders (thesis section 2.7).

The decoder mirrors the encoder: each strided `Conv2D` of the encoder has a
`Conv2DTranspose` with the same stride in the decoder, so any H x W x C input whose
sides divide by the product of the strides is reproduced exactly.
"""

import math

import keras



def _check_image_shape(input_shape, filters, strides):
    if len(input_shape) != 3:
        raise ValueError(
            f"conv networks need images shaped (H, W, C), got input_shape {tuple(input_shape)}; "
            "add a channel axis (x[..., None]) or use architecture='mlp'."
        )
    if len(filters) == 0 or any(int(f) <= 0 for f in filters):
        raise ValueError(f"filters must be a non-empty tuple of positive ints, got {tuple(filters)}.")
    factor = int(strides) ** len(filters)
    height, width = input_shape[0], input_shape[1]
    if height % factor or width % factor:
        raise ValueError(
            f"conv networks with {len(filters)} layers of stride {strides} need H and W "
            f"divisible by {factor}; got {height}x{width}. Pad or resize the images, "
            "or use fewer filters."
        )
    return height // factor, width // factor


def conv_encoder(
    input_shape,
    output_size,
    filters=(32, 64),
    kernel_size=3,
    strides=2,
    dense_units=128,
    activation="relu",
    name="encoder",
):
    """Builds images -> flat posterior parameters.

    Args:
        input_shape: tuple (H, W, C). H and W must divide by `strides ** len(filters)`.
        output_size: int. Number of posterior parameters.
        filters: tuple of ints. Filters of each strided Conv2D.
        kernel_size: int. Kernel side.
        strides: int. Stride of every conv layer.
        dense_units: int. Width of the Dense layer after flattening (0 for none).
        activation: str. Hidden activation.
        name: str. Model name.

    Returns:
        A functional `keras.Model` mapping `(B, H, W, C)` to `(B, output_size)`.
    """
    _check_image_shape(input_shape, filters, strides)
    inputs = keras.Input(shape=tuple(input_shape))
    h = inputs
    for f in filters:  # (B, H / s^i, W / s^i, f)
        h = keras.layers.Conv2D(int(f), kernel_size, strides=strides, padding="same", activation=activation)(h)
    h = keras.layers.Flatten()(h)
    if dense_units:
        h = keras.layers.Dense(int(dense_units), activation=activation)(h)
    # Distribution parameters stay float32 under mixed precision.
    outputs = keras.layers.Dense(output_size, dtype="float32")(h)
    return keras.Model(inputs, outputs, name=name)


def conv_decoder(
    latent_dim,
    output_shape,
    params_per_dim,
    filters=(32, 64),
    kernel_size=3,
    strides=2,
    dense_units=128,
    activation="relu",
    name="decoder",
):
    """Builds z -> likelihood parameters, mirroring `conv_encoder` with the same `filters`.

    Args:
        latent_dim: int. Dimension of z.
        output_shape: tuple (H, W, C) of one example.
        params_per_dim: int. Likelihood parameters per pixel and channel.
        filters: tuple of ints. The encoder's filters; used in reverse order.
        kernel_size: int. Kernel side.
        strides: int. Stride of every transposed conv layer.
        dense_units: int. Width of the first Dense layer (0 for none).
        activation: str. Hidden activation.
        name: str. Model name.

    Returns:
        A functional `keras.Model` mapping `(B, latent_dim)` to
        `(B, H * W * C * params_per_dim)`.
    """
    h0, w0 = _check_image_shape(output_shape, filters, strides)
    channels = int(output_shape[2])
    inputs = keras.Input(shape=(int(latent_dim),))
    h = inputs
    if dense_units:
        h = keras.layers.Dense(int(dense_units), activation=activation)(h)
    h = keras.layers.Dense(h0 * w0 * int(filters[-1]), activation=activation)(h)
    h = keras.layers.Reshape((h0, w0, int(filters[-1])))(h)  # (B, H / s^n, W / s^n, f_n)
    for f in reversed(filters):
        h = keras.layers.Conv2DTranspose(int(f), kernel_size, strides=strides, padding="same", activation=activation)(h)
    # (B, H, W, C * k): parameters of each channel adjacent, as the likelihood expects.
    h = keras.layers.Conv2D(channels * int(params_per_dim), kernel_size, padding="same", dtype="float32")(h)
    outputs = keras.layers.Reshape((math.prod(output_shape) * int(params_per_dim),), dtype="float32")(h)
    return keras.Model(inputs, outputs, name=name)
