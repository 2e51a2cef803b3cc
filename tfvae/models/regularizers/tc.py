"""Total correlation between salient and background latents (Abid & Zou 2019, after
Kim & Mnih 2018's density-ratio trick).

A discriminator D learns to tell samples of q(s, z) from samples of q(s) q(z) (made by
permuting s across the batch, which works at any batch size). With logit(D) estimating
log q(s, z) / (q(s) q(z)), the TC penalty on the VAE is the mean logit on joint samples.
The discriminator is trained by its own optimizer on detached samples, never through
the VAE loss.
"""

import keras
import tensorflow as tf

from tfvae.models.replicas import global_batch, local_rows


@keras.saving.register_keras_serializable(package="tfvae")
class TCDiscriminator(keras.layers.Layer):
    """MLP classifier `(B, d_s + d_z)` -> logits `(B,)` of "joint" vs "product".

    Args:
        hidden_units: tuple of ints. Widths of the hidden layers.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, hidden_units=(64, 64), **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.hidden = [keras.layers.Dense(u, activation="relu", dtype=self.dtype_policy) for u in self.hidden_units]
        self.logit = keras.layers.Dense(1, dtype=self.dtype_policy)

    def build(self, input_shape):
        for layer in self.hidden:
            layer.build(input_shape)
            input_shape = (input_shape[0], layer.units)
        self.logit.build(input_shape)

    def call(self, inputs):
        h = inputs
        for layer in self.hidden:
            h = layer(h)
        return tf.squeeze(self.logit(h), axis=-1)

    def get_config(self):
        return {**super().get_config(), "hidden_units": list(self.hidden_units)}


def permute_dims(s, z, seed):
    """Samples of q(s) q(z): pairs each z with the s of another example of the batch.

    Under a distribution strategy the permutation runs over the global batch (each
    replica takes its rows), so the samples are those of one device.

    Args:
        s: tensor `(B, d_s)`, this replica's rows.
        z: tensor `(B, d_z)`.
        seed: stateless seed `(2,)`.

    Returns:
        Tensor `(B, d_s + d_z)`.
    """
    s_all = global_batch(s)  # (B * replicas, d_s)
    # A random permutation as the argsort of uniform noise (graph- and XLA-friendly).
    perm = tf.argsort(tf.random.stateless_uniform(tf.shape(s_all)[:1], seed=seed))
    return tf.concat([local_rows(tf.gather(s_all, perm), tf.shape(s)[0]), z], axis=-1)


def total_correlation(discriminator, joint):
    """Density-ratio estimate of TC: mean logit D on samples of q(s, z) `(B, d)`."""
    return tf.reduce_mean(discriminator(joint))


def discriminator_loss(discriminator, joint, product):
    """Binary cross-entropy: label 1 for joint samples, 0 for permuted ones."""
    bce = tf.nn.sigmoid_cross_entropy_with_logits
    joint_logits, product_logits = discriminator(joint), discriminator(product)
    return tf.reduce_mean(bce(tf.ones_like(joint_logits), joint_logits)) + tf.reduce_mean(
        bce(tf.zeros_like(product_logits), product_logits)
    )
