"""A ContrastiveVAE's split of target examples into foreground and background layers."""

import tensorflow as tf

from tfvae.layers.likelihoods import LowRankNormal
from tfvae.networks.layered import LayeredDecoder


def image_layers(model, x):
    """The layers `ContrastiveVAE.separate` returns, for one prepared batch.

    Args:
        model: a `ContrastiveVAE`.
        x: tensor `(B, *input_shape)` of target examples.

    Returns:
        Dict of tensors shaped like `x`: `"reconstruction"` (mean of p(x|s, z) at
        the posterior means), `"background"` (mean of p(x|0, z)), `"foreground"`
        (their difference) and `"background_layer"` (x - foreground). With a
        `LayeredDecoder`, `"background"` is the mean of its background layer b(z),
        `"foreground"` the masked foreground m * f (f its mean), and `"mask"` m
        `(B, H, W, 1)` is added. A
        `LowRankNormal` likelihood's `noise_mean` of the residual x -
        reconstruction is added to the reconstruction and the background: its
        factor holds background texture, learned from background examples only.
    """
    q_s, q_z = model._posteriors(x)
    s, z = q_s.mean(), q_z.mean()
    reconstruction = model.decode(s, z).mean()
    mask = None
    if isinstance(model.decoder, LayeredDecoder):
        layers = model.decoder.layers(tf.concat([s, z], -1))
        params = layers["background"]
        background = model._likelihood(tf.reshape(params, (tf.shape(params)[0], -1))).mean()
        mask = tf.reshape(layers["mask"], (-1, *x.shape[1:-1], 1))
        foreground = mask * tf.reshape(layers["foreground"], tf.shape(background))
    else:
        background = model._decode_background(z).mean()
        foreground = reconstruction - background
    if isinstance(model.likelihood, LowRankNormal):
        texture = model.likelihood.noise_mean(tf.cast(x, reconstruction.dtype) - reconstruction)
        reconstruction, background = reconstruction + texture, background + texture
    parts = {"reconstruction": reconstruction, "background": background, "foreground": foreground,
             "background_layer": tf.cast(x, foreground.dtype) - foreground}
    return parts if mask is None else {**parts, "mask": mask}
