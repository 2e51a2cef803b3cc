"""A layered decoder: a background image from z alone, and a foreground with its mask.

The decoded target is an alpha composite, x_hat = m * f + (1 - m) * b: the
background layer b = b(z) comes from the background latents alone, and a
foreground appearance f in (0, 1) and a mask m in [0, 1] (one value per pixel,
shared by its channels) come from both blocks [s, z]. It matches data in which a
foreground occludes a background (alpha compositing), where an additive decoder
must both add the foreground and subtract the background it hides. The mask is 0
where s is exactly 0, so background examples (decoded with s = 0) are the
background layer alone, p(x | 0, z) = p(x | b(z)), and `decode(0, z)` is a
target's background; the `tfvae.regularizers.MaskArea` penalty on the targets'
masks keeps the foreground layer to what the background layer cannot draw.

Images are taken to lie in [0, 1]. The layers are composited on the likelihood's
mean: a Normal likelihood's location (`link="identity"`), a Bernoulli-type one's
probability (`link="logit"`: its logits go through a sigmoid and back). Further
parameters of a value (a predicted scale) are composited as they are, with the
same mask. Bounding f keeps the mask honest: an unbounded f could draw any
foreground through a near-zero mask.
"""

import keras
import tensorflow as tf

from tfvae.networks.nested import HoldsNetworks

LINKS = ("identity", "logit")
_EPSILON = 1e-6  # keeps composited probabilities off 0 and 1 before their logit


@keras.saving.register_keras_serializable(package="tfvae")
class LayeredDecoder(HoldsNetworks):
    """Maps concatenated latents `[s, z]` to the likelihood parameters of
    m * f + (1 - m) * b.

    Args:
        split: int. Size of the first block (s); the rest of the last axis is z.
        background: Keras layer or model mapping `(B, d - split)` to `(B, P * C * k)`:
            the background layer's parameters, k per value of C channels of P pixels.
        foreground: Keras layer or model mapping `(B, d)` to `(B, P * (C * k + 1))`:
            per pixel, C * k foreground parameters (the first of each value squashed
            into (0, 1) as its mean) followed by one mask logit.
        channels: int. C.
        params_per_value: int. k, the likelihood's parameters per value.
        link: str. How the first parameter of a value maps to its mean: `"identity"`
            or `"logit"`.
        **kwargs: `keras.layers.Layer` arguments.
    """

    NETWORKS = ("background", "foreground")

    def __init__(self, split, background, foreground, channels, params_per_value=1, link="identity", **kwargs):
        super().__init__(**kwargs)
        if min(int(split), int(channels), int(params_per_value)) < 1:
            raise ValueError("LayeredDecoder: split, channels and params_per_value must be positive ints, got "
                             f"{split}, {channels}, {params_per_value}.")
        if link not in LINKS:
            raise ValueError(f"LayeredDecoder: link must be one of {LINKS}, got {link!r}.")
        self.split, self.channels, self.params_per_value, self.link = int(split), int(channels), int(params_per_value), link
        self.background, self.foreground = background, foreground

    def layers(self, latents, training=False):
        """The layers of `(B, d)` latents: `"background"` parameters `(B, P, C, k)`,
        the foreground's mean `"foreground"` `(B, P, C)` in (0, 1), the `"mask"`
        `(B, P, 1)` and the composite's parameters `"params"` `(B, P, C, k)`."""
        c, k = self.channels, self.params_per_value
        background = self.background(latents[..., self.split :], training=training)
        background = tf.reshape(background, (tf.shape(background)[0], -1, c, k))
        raw = self.foreground(latents, training=training)
        raw = tf.reshape(raw, (tf.shape(raw)[0], -1, c * k + 1))
        appearance = tf.reshape(raw[..., :-1], (tf.shape(raw)[0], -1, c, k))
        mask = tf.cast(self._gate(latents, tf.sigmoid(tf.cast(raw[..., -1:], tf.float32))), background.dtype)
        foreground = tf.sigmoid(appearance[..., 0])  # (B, P, C)
        mean = mask * foreground + (1.0 - mask) * self._mean(background)
        rest = mask[..., None] * appearance[..., 1:] + (1.0 - mask[..., None]) * background[..., 1:]
        params = tf.concat([self._link(mean)[..., None], rest], axis=-1)
        return {"background": background, "foreground": foreground, "mask": mask, "params": params}

    def background_params(self, z, training=False):
        """The composite's parameters `(B, P * C * k)` at s = 0, where the mask is 0:
        the background layer alone, from `(B, d - split)` latents z without a pass
        of the foreground network."""
        background = self.background(z, training=training)
        background = tf.reshape(background, (tf.shape(background)[0], -1, self.channels, self.params_per_value))
        params = tf.concat([self._link(self._mean(background))[..., None], background[..., 1:]], axis=-1)
        return tf.reshape(params, (tf.shape(params)[0], -1))

    def _mean(self, background):
        """The background layer's mean from its parameters `(B, P, C, k)`."""
        return background[..., 0] if self.link == "identity" else tf.sigmoid(background[..., 0])

    def _link(self, mean):
        """The likelihood's first parameter of a mean: itself, or its clipped logit."""
        if self.link == "identity":
            return mean
        mean = tf.clip_by_value(mean, _EPSILON, 1.0 - _EPSILON)
        return tf.math.log(mean) - tf.math.log1p(-mean)

    def mask(self, latents, training=False):
        """The mask alone, `(B, P)` in [0, 1] (one pass of the foreground network)."""
        raw = self.foreground(latents, training=training)
        logits = tf.reshape(raw, (tf.shape(raw)[0], -1, self.channels * self.params_per_value + 1))[..., -1]
        return self._gate(latents, tf.sigmoid(tf.cast(logits, tf.float32)))

    def _gate(self, latents, mask):
        """The mask, 0 on rows whose s is exactly 0: p(x | 0, z) is the background alone."""
        salient = latents[..., : self.split]
        on = tf.cast(tf.reduce_any(tf.not_equal(salient, 0), axis=-1), mask.dtype)  # (B,)
        return mask * tf.reshape(on, tf.concat([tf.shape(on), tf.ones(tf.rank(mask) - 1, tf.int32)], 0))

    def call(self, latents, training=False):
        """`(B, d)` latents -> `(B, P * C * k)` parameters of the composite."""
        params = self.layers(latents, training)["params"]
        return tf.reshape(params, (tf.shape(params)[0], -1))

    def _arguments(self):
        return {"split": self.split, "channels": self.channels, "params_per_value": self.params_per_value,
                "link": self.link}
