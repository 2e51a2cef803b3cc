"""Wasserstein penalty of contrastiveVI (Weinberger, Lin & Lee 2023)."""

import keras
import tensorflow as tf

from tfvae.models.regularizers.base import Regularizer


def squared_w2_to_origin(posterior):
    """Squared 2-Wasserstein distance of each N(mu, Sigma) to a point mass at 0:
    W2^2 = ||mu||^2 + tr(Sigma). Returns a `(B,)` tensor."""
    return tf.reduce_sum(posterior.mean() ** 2, axis=-1) + tf.reduce_sum(posterior.variance(), axis=-1)


@keras.saving.register_keras_serializable(package="tfvae")
class Wasserstein(Regularizer):
    """Mean W2^2(q(s|x_b), delta_0) over the background examples: their salient
    posteriors pulled onto the point s = 0 with which they are decoded.

    Args:
        weight: float or `tfvae.schedules.Schedule`.
        **kwargs: `keras.layers.Layer` arguments.
    """

    term = "wasserstein"

    def penalty(self, forward):
        return tf.reduce_mean(squared_w2_to_origin(forward.q_s_background))
