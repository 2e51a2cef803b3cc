"""Total correlation between salient and background latents (Abid & Zou 2019, after
Kim & Mnih 2018's density-ratio trick).

A discriminator D learns to tell samples of q(s, z) from samples of q(s) q(z) (made by
permuting s across the batch, which works at any batch size). With logit(D) estimating
log q(s, z) / (q(s) q(z)), the TC penalty on the VAE is the mean logit on joint samples.
The discriminator is trained by its own optimizer on detached samples, never through
the VAE loss.
"""

import warnings

import keras
import tensorflow as tf

from tfvae.models.regularizers.base import Regularizer
from tfvae.models.replicas import global_batch, local_rows


@keras.saving.register_keras_serializable(package="tfvae")
class TCDiscriminator(keras.layers.Layer):
    """MLP classifier `(B, d_s + d_z)` -> logits `(B,)` of "joint" vs "product".

    Its kernels and biases are the layer's own variables (no sublayers), so that a
    file that keeps none for it (written by tfvae 0.1, which kept them elsewhere)
    loads with the discriminator at its fresh start.

    Args:
        hidden_units: tuple of ints. Widths of the ReLU hidden layers; `()` gives a
            linear discriminator (logistic regression), as Abid & Zou used.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, hidden_units=(64, 64), **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.hidden_units = tuple(int(u) for u in hidden_units)

    def build(self, input_shape):
        widths = (int(input_shape[-1]), *self.hidden_units, 1)
        self.kernels, self.biases = [], []
        for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
            self.kernels.append(self.add_weight(shape=(fan_in, fan_out), initializer="glorot_uniform", name=f"kernel_{i}"))
            self.biases.append(self.add_weight(shape=(fan_out,), initializer="zeros", name=f"bias_{i}"))

    def call(self, inputs):
        h = tf.cast(inputs, self.compute_dtype)  # (B, d)
        for i, (kernel, bias) in enumerate(zip(self.kernels, self.biases)):
            h = tf.matmul(h, kernel) + bias
            if i < len(self.kernels) - 1:
                h = tf.nn.relu(h)
        return tf.squeeze(h, axis=-1)  # (B,)

    def load_own_variables(self, store):
        if len(store.keys()) == 0 and self.weights:
            warnings.warn("the file keeps no TC discriminator weights (tfvae 0.1): the discriminator starts afresh.")
            return
        super().load_own_variables(store)

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


@keras.saving.register_keras_serializable(package="tfvae")
class TotalCorrelation(Regularizer):
    """TC(s, z) of the targets' latent samples, estimated by a discriminator that its
    own Adam optimizer trains after every model step (Abid & Zou 2019, eq. 5).

    Logs `tc` (the estimate) and `tc_discriminator_loss`; near log 4 = 1.386 the
    discriminator cannot tell joint from permuted samples.

    Args:
        weight: float or `tfvae.schedules.Schedule`.
        hidden_units: tuple of ints. The discriminator's hidden widths.
        learning_rate: float. Its optimizer's learning rate.
        **kwargs: `keras.layers.Layer` arguments.
    """

    term = "tc"
    own_terms = ("tc_discriminator_loss",)

    def __init__(self, weight=1.0, hidden_units=(64, 64), learning_rate=1e-3, **kwargs):
        super().__init__(weight, **kwargs)
        self.learning_rate = float(learning_rate)
        self.discriminator = TCDiscriminator(hidden_units, name="tc_discriminator")
        self.discriminator_optimizer = None

    def setup(self, model):
        self.discriminator.build((None, model.salient_dim + model.background_dim))
        self.discriminator_optimizer = keras.optimizers.Adam(self.learning_rate, name="tc_optimizer")
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    def penalty(self, forward):
        return total_correlation(self.discriminator, tf.concat([forward.s, forward.z], -1))

    def own_step(self, forward, training):
        # Detached samples: the discriminator's step never reaches the encoders.
        joint = tf.stop_gradient(tf.concat([forward.s, forward.z], -1))
        product = tf.stop_gradient(permute_dims(forward.s, forward.z, forward.seed(1)))
        loss = lambda: discriminator_loss(self.discriminator, joint, product)
        if not training:
            return {"tc_discriminator_loss": loss()}
        variables = self.discriminator.trainable_variables
        return {"tc_discriminator_loss": forward.model.minimize(self.discriminator_optimizer, loss, variables)}

    @property
    def own_trainable_variables(self):
        return self.discriminator.trainable_variables

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_units": list(self.discriminator.hidden_units),
            "learning_rate": self.learning_rate,
        }
