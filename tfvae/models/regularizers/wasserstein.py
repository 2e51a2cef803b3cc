"""Wasserstein penalty of contrastiveVI (Weinberger et al. 2023)."""

import tensorflow as tf


def squared_w2_to_origin(posterior):
    """Squared 2-Wasserstein distance of each N(mu, Sigma) to a point mass at 0:
    W2^2 = ||mu||^2 + tr(Sigma). Returns a `(B,)` tensor."""
    return tf.reduce_sum(posterior.mean() ** 2, axis=-1) + tf.reduce_sum(posterior.variance(), axis=-1)
