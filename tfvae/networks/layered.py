"""A layered decoder: a background image from z alone, and a foreground with its mask.

The decoded target is an alpha composite, x_hat = m * f + (1 - m) * b: the
background layer b = b(z) comes from the background latents alone, and a
foreground appearance f and a mask m in [0, 1] come from both blocks [s, z]. It
matches data in which a foreground occludes a background (alpha compositing),
where an additive decoder must both add the foreground and subtract the
background it hides. Background examples are decoded with s = 0; the
`tfvae.regularizers.BackgroundMask` penalty drives their mask to 0, so that
only target-specific content is drawn on the foreground layer.

The layers are composited in the likelihood's parameter space, one mask value per
pixel shared by every channel and parameter: in mean space for the Normal
likelihoods (their parameter is the mean), in logit space for Bernoulli-type ones
(exact where the mask is 0 or 1).
"""

import copy

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfvae")
class LayeredDecoder(keras.layers.Layer):
    """Maps concatenated latents `[s, z]` to the parameters of m * f + (1 - m) * b.

    Args:
        split: int. Size of the first block (s); the rest of the last axis is z.
        background: Keras layer or model mapping `(B, d - split)` to `(B, P * n)`:
            the background layer, n parameters for each of P pixels.
        foreground: Keras layer or model mapping `(B, d)` to `(B, P * (n + 1))`:
            per pixel, n foreground parameters followed by one mask logit.
        pixel_params: int. n, the parameters per pixel (channels x likelihood
            parameters per value).
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, split, background, foreground, pixel_params, **kwargs):
        super().__init__(**kwargs)
        if int(split) < 1 or int(pixel_params) < 1:
            raise ValueError(f"LayeredDecoder: split and pixel_params must be positive ints, got {split}, {pixel_params}.")
        self.split, self.pixel_params = int(split), int(pixel_params)
        self.background, self.foreground = background, foreground

    def layers(self, latents, training=False):
        """The layers of `(B, d)` latents, each `(B, P, n)` in parameter space:
        `"background"` b, `"foreground"` f, `"mask"` m `(B, P, 1)` and their
        composite `"params"` = m * f + (1 - m) * b."""
        background = self.background(latents[..., self.split :], training=training)
        background = tf.reshape(background, (tf.shape(background)[0], -1, self.pixel_params))
        foreground = self.foreground(latents, training=training)
        foreground = tf.reshape(foreground, (tf.shape(foreground)[0], -1, self.pixel_params + 1))
        appearance, mask = foreground[..., :-1], tf.sigmoid(tf.cast(foreground[..., -1:], tf.float32))
        mask = tf.cast(mask, appearance.dtype)
        return {"background": background, "foreground": appearance, "mask": mask,
                "params": mask * appearance + (1.0 - mask) * background}

    def mask(self, latents, training=False):
        """The mask alone, `(B, P)` in [0, 1] (one pass of the foreground network)."""
        foreground = self.foreground(latents, training=training)
        logits = tf.reshape(foreground, (tf.shape(foreground)[0], -1, self.pixel_params + 1))[..., -1]
        return tf.sigmoid(tf.cast(logits, tf.float32))

    def call(self, latents, training=False):
        """`(B, d)` latents -> `(B, P * n)` parameters of the composite."""
        params = self.layers(latents, training)["params"]
        return tf.reshape(params, (tf.shape(params)[0], -1))

    def get_config(self):
        return {
            **super().get_config(),
            "split": self.split,
            "pixel_params": self.pixel_params,
            "background": keras.saving.serialize_keras_object(self.background),
            "foreground": keras.saving.serialize_keras_object(self.foreground),
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserializing consumes the nested configs
        for key in ("background", "foreground"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
