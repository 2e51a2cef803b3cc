"""An additive decoder: likelihood parameters f_s(s) + f_z(z) of two latent blocks.

When the data are a foreground added to a background (a digit over grass, drawn
independently of it), a decoder of this form matches the generating process: the salient block can only add a pattern that does not depend
on the background latents, and the background block cannot draw the foreground.
Additive decoders make the two blocks identifiable up to invertible maps of each
block (Lachapelle et al., 2023, "Additive Decoders for Latent Variables
Identification and Cartesian-Product Extrapolation").
"""

import keras
import tensorflow as tf

from tfvae.networks.nested import HoldsNetworks


@keras.saving.register_keras_serializable(package="tfvae")
class AdditiveDecoder(HoldsNetworks):
    """Maps concatenated latents `[s, z]` to `first(s) + second(z)`.

    Args:
        split: int. Size of the first block (s); the rest of the last axis is z.
        first: Keras layer or model mapping `(B, split)` to parameters `(B, P)`.
        second: Keras layer or model mapping `(B, d - split)` to `(B, P)`.
        **kwargs: `keras.layers.Layer` arguments.
    """

    NETWORKS = ("first", "second")

    def __init__(self, split, first, second, **kwargs):
        super().__init__(**kwargs)
        if int(split) < 1:
            raise ValueError(f"AdditiveDecoder: split must be a positive int, got {split}.")
        self.split = int(split)
        self.first, self.second = first, second

    def call(self, latents, training=False):
        """`(B, d)` latents -> `(B, P)` parameters, the sum of the two blocks' outputs."""
        return self.first(latents[..., : self.split], training=training) + self.second(
            latents[..., self.split :], training=training
        )

    def background_params(self, z, training=False):
        """`first(0) + second(z)` for `(B, d - split)` latents z: the parameters at
        s = 0, with `first` run on one row of zeros (broadcast over the batch)
        instead of B of them."""
        return self.first(tf.zeros((1, self.split), z.dtype), training=training) + self.second(z, training=training)

    def _arguments(self):
        return {"split": self.split}
