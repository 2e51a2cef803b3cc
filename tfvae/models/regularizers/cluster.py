"""Confident, balanced cluster assignments of the salient means (a tfvae addition).

Under a mixture salient prior (`tfvae.layers.MixturePrior`) the ELBO lets K groups
of salient means sit apart, but does not ask them to: on mnist_on_grass with all
ten digits the salient means still overlap (docs/separation_benchmark.md). This term
asks for the mutual information between the means and their mixture component,
I(C; S) = H(C) - H(C | S), to be high, as in regularized information maximization
(Krause et al. 2010) and IMSAT (Hu et al. 2017): each mean confidently in one
component (low H(C | S)), the components used equally (high H(C)).
"""

import tensorflow as tf
import tensorflow_probability as tfp

from tfvae.models.replicas import global_batch

tfd = tfp.distributions


def component_log_responsibilities(means, prior):
    """log p(c = k | s = mu_i) under an equal-weight mixture prior, `(B, K)`.

    The prior's parameters are held fixed (`stop_gradient`): they are fitted by the
    ELBO's KL term, and this term moves only the means. (Shrinking the components'
    scales would otherwise sharpen every assignment without moving a mean.)

    Args:
        means: `(B, d)` salient posterior means.
        prior: `tfd.MixtureSameFamily` of `tfd.MultivariateNormalDiag`, event `(d,)`.

    Returns:
        A `(B, K)` tensor whose rows' exponentials sum to 1.
    """
    components = prior.components_distribution
    fixed = tfd.MultivariateNormalDiag(
        loc=tf.stop_gradient(components.loc), scale_diag=tf.stop_gradient(components.stddev())
    )  # batch (K,)
    logits = tf.stop_gradient(prior.mixture_distribution.logits_parameter())  # (K,)
    joint = fixed.log_prob(tf.cast(means, fixed.dtype)[:, None, :]) + tf.nn.log_softmax(logits)  # (B, K)
    return joint - tf.reduce_logsumexp(joint, axis=-1, keepdims=True)


def negative_cluster_information(log_responsibilities):
    """H(C | S) - H(C) over the batch: minus the mutual information I(C; S).

    H(C | S) = mean_i -sum_k r_ik log r_ik; H(C) = -sum_k rbar_k log rbar_k with
    rbar the batch mean of r. Both over the *global* batch (gathered under a
    distribution strategy, the same value on every replica). It lies in
    [-log K, log K]: 0 for uniform assignments, -log K for confident ones that use
    every component equally.

    Args:
        log_responsibilities: `(B, K)` log p(c | s) per example.

    Returns:
        A scalar, nats.
    """
    log_r = tf.cast(global_batch(log_responsibilities), tf.float32)
    r = tf.exp(log_r)
    conditional = tf.reduce_mean(-tf.reduce_sum(r * log_r, -1))
    marginal = tf.reduce_mean(r, 0)
    entropy = -tf.reduce_sum(marginal * tf.math.log(marginal + 1e-12))
    return conditional - entropy
