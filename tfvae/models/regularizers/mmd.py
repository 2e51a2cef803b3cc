"""Maximum mean discrepancy with a multi-bandwidth RBF kernel (MM-cVAE, Weinberger et al. 2022)."""

import tensorflow as tf

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
