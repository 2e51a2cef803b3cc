"""Maximum mean discrepancy penalties of MM-cVAE (Weinberger, Beebe-Wang & Lee 2022)."""

import keras
import tensorflow as tf

from tfvae.models.regularizers.base import Regularizer
from tfvae.models.replicas import global_batch

DEFAULT_BANDWIDTHS = (0.1, 0.5, 1.0, 2.0, 5.0)


def rbf_kernel(a, b, bandwidths=DEFAULT_BANDWIDTHS):
    """k(a_i, b_j) = mean_h exp(-||a_i - b_j||^2 / (2 h^2)) over the bandwidths h.

    Args:
        a: tensor `(N, d)`.
        b: tensor `(M, d)`.
        bandwidths: tuple of floats.

    Returns:
        Tensor `(N, M)`.
    """
    sq = (
        tf.reduce_sum(a**2, 1)[:, None] + tf.reduce_sum(b**2, 1)[None, :] - 2.0 * tf.matmul(a, b, transpose_b=True)
    )  # (N, M) squared distances
    sq = tf.maximum(sq, 0.0)
    return tf.add_n([tf.exp(-sq / (2.0 * h**2)) for h in bandwidths]) / float(len(bandwidths))


def mmd(a, b, bandwidths=DEFAULT_BANDWIDTHS):
    """Biased estimate of MMD^2(P, Q) from samples `a ~ P` `(N, d)` and `b ~ Q` `(M, d)`:
    mean k(a, a') + mean k(b, b') - 2 mean k(a, b). Zero when the samples coincide.

    Under a distribution strategy `a` and `b` are each replica's rows; the estimate is
    over the global batch (the kernel couples examples, so local estimates would
    not average to it) and is the same on every replica."""
    a, b = global_batch(a), global_batch(b)
    return (
        tf.reduce_mean(rbf_kernel(a, a, bandwidths))
        + tf.reduce_mean(rbf_kernel(b, b, bandwidths))
        - 2.0 * tf.reduce_mean(rbf_kernel(a, b, bandwidths))
    )


class _MMDPenalty(Regularizer):
    """Shared config of the two MMD penalties.

    Args:
        weight: float or `tfvae.schedules.Schedule`.
        bandwidths: tuple of floats. RBF bandwidths of the kernel (`rbf_kernel`).
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, weight=1.0, bandwidths=DEFAULT_BANDWIDTHS, **kwargs):
        super().__init__(weight, **kwargs)
        self.bandwidths = tuple(float(h) for h in bandwidths)
        if not self.bandwidths or min(self.bandwidths) <= 0:
            raise ValueError(f"{type(self).__name__}: bandwidths must be positive, got {bandwidths}.")

    def get_config(self):
        return {**super().get_config(), "bandwidths": list(self.bandwidths)}


@keras.saving.register_keras_serializable(package="tfvae")
class BackgroundMMD(_MMDPenalty):
    """MMD^2 between the background latents of background and target examples,
    z ~ q(z|x_b) against z ~ q(z|x_t): both groups share one background space."""

    term = "mmd_background"

    def penalty(self, forward):
        return mmd(forward.z_background, forward.z, self.bandwidths)


@keras.saving.register_keras_serializable(package="tfvae")
class SalientMMD(_MMDPenalty):
    """MMD^2 between the background examples' salient samples s ~ q(s|x_b) and the
    point s = 0 with which they are decoded."""

    term = "mmd_salient"

    def penalty(self, forward):
        s = forward.s_background
        return mmd(s, tf.zeros_like(s), self.bandwidths)
