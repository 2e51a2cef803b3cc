"""A ContrastiveVAE's split of target examples into foreground and background layers."""

import tensorflow as tf

from tfvae.layers.likelihoods import LowRankNormal


def image_layers(model, x):
    """The layers `ContrastiveVAE.separate` returns, for one prepared batch.

    Args:
        model: a `ContrastiveVAE`.
        x: tensor `(B, *input_shape)` of target examples.

    Returns:
        Dict of tensors shaped like `x`: `"reconstruction"` (mean of p(x|s, z) at
        the posterior means), `"background"` (mean of p(x|0, z)), `"foreground"`
        (their difference) and `"background_layer"` (x - foreground). A
        `LowRankNormal` likelihood's `noise_mean` of the residual x -
        reconstruction is added to the reconstruction and the background: its
        factor holds background texture, learned from background examples only.
    """
    q_s, q_z = model._posteriors(x)
    s, z = q_s.mean(), q_z.mean()
    reconstruction = model.decode(s, z).mean()
    background = model.decode(tf.zeros_like(s), z).mean()
    foreground = reconstruction - background
    if isinstance(model.likelihood, LowRankNormal):
        texture = model.likelihood.noise_mean(tf.cast(x, reconstruction.dtype) - reconstruction)
        reconstruction, background = reconstruction + texture, background + texture
    return {"reconstruction": reconstruction, "background": background, "foreground": foreground,
            "background_layer": tf.cast(x, foreground.dtype) - foreground}
