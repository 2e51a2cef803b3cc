"""Monte-Carlo estimators of the ELBO (thesis eqs. 2.7, 2.12-2.16) and the IWAE bound.

All functions are graph- and XLA-friendly: no Python-side per-example work, the
noise comes from stateless seeds (so a fixed seed gives a fixed estimate).
"""

import tensorflow as tf
import tensorflow_probability as tfp

from tfvae.models.replicas import local_rows, replica_position

tfd = tfp.distributions


def standard_normal_prior(latent_dim, dtype="float32"):
    """p(z) = N(0, I_k)."""
    return tfd.MultivariateNormalDiag(loc=tf.zeros((latent_dim,), dtype=dtype))


def has_analytic_kl(posterior, prior):
    """True when TFP registers a closed-form KL(posterior || prior) for these types."""
    try:
        tfd.kl_divergence(posterior, prior)
    except NotImplementedError:
        return False
    return True


def _replica_slice_of_global_noise(num_samples, local_batch, event_size, seed, dtype):
    """Standard normal noise `(S, B_local, k)`: this replica's rows of one draw for the
    whole global batch, so each example gets the same noise however many replicas
    share the batch."""
    replicas, _ = replica_position()
    eps = tf.random.stateless_normal((num_samples, local_batch * replicas, event_size), seed=seed, dtype=dtype)
    return local_rows(eps, local_batch, axis=1)


def sample_posterior(posterior, num_samples, seed):
    """Draws reparameterized z = f(eps, phi, x) (eq. 2.12).

    Gaussian posteriors (`tfd.MultivariateNormalLinearOperator`: diagonal and full
    covariance) push replica-invariant standard normal noise through their affine
    bijector, z = mu + L eps; other distributions use their own `sample`.

    Args:
        posterior: `tfd.Distribution` with batch shape `(B,)` and event `(k,)`.
        num_samples: int. Samples S per example.
        seed: int tensor of shape `(2,)`, a stateless seed.

    Returns:
        Tensor `(S, B, k)`.
    """
    seed = tf.cast(seed, tf.int32)
    if not isinstance(posterior, tfd.MultivariateNormalLinearOperator):
        return posterior.sample(num_samples, seed=seed)
    loc = posterior.loc  # (B, k)
    eps = _replica_slice_of_global_noise(num_samples, tf.shape(loc)[0], tf.shape(loc)[1], seed, loc.dtype)
    return posterior.bijector.forward(eps)


def log_likelihood_samples(x, z, decode):
    """log p(x|z_s) for every sample s.

    Args:
        x: tensor `(B, *event_shape)`.
        z: tensor `(S, B, k)` of latent samples.
        decode: callable mapping `(S * B, k)` latents to a likelihood distribution
            with batch shape `(S * B,)`.

    Returns:
        Tensor `(S, B)`, nats.
    """
    num_samples, batch = tf.shape(z)[0], tf.shape(z)[1]
    z_flat = tf.reshape(z, (num_samples * batch, tf.shape(z)[2]))  # (S*B, k)
    x_tiled = tf.tile(x, tf.concat([[num_samples], tf.ones(tf.rank(x) - 1, tf.int32)], 0))  # (S*B, ...)
    return tf.reshape(decode(z_flat).log_prob(x_tiled), (num_samples, batch))


def expected_log_likelihood(x, z, decode):
    """Monte-Carlo estimate of E_q[log p(x|z)]: the mean over the S samples of z.

    Returns:
        Tensor `(B,)`, nats per example.
    """
    return tf.reduce_mean(log_likelihood_samples(x, z, decode), axis=0)


def kl_divergence(posterior, prior, z=None, analytic=True):
    """KL(q(z|x) || p(z)) per example: closed form, or the MC estimate
    mean_s[log q(z_s|x) - log p(z_s)] on the samples `z` `(S, B, k)`."""
    if analytic:
        return tfd.kl_divergence(posterior, prior)
    if z is None:
        raise ValueError("kl_divergence: a Monte-Carlo KL needs posterior samples z.")
    return tf.reduce_mean(posterior.log_prob(z) - prior.log_prob(z), axis=0)


def elbo_terms(x, posterior, prior, decode, num_samples, seed, analytic_kl=True):
    """Per-example ELBO terms, eq. 2.7 written as E_q[log p(x|z)] - KL(q(z|x) || p(z)).

    Args:
        x: tensor `(B, *event_shape)`.
        posterior: q(z|x), batch `(B,)`, event `(k,)`.
        prior: p(z), event `(k,)`.
        decode: callable, latents `(N, k)` -> likelihood with batch `(N,)`.
        num_samples: int. MC samples S per example.
        seed: stateless seed `(2,)`.
        analytic_kl: bool. Closed-form KL (when TFP has it) instead of MC.

    Returns:
        Dict of `(B,)` tensors: `reconstruction`, `kl`, `elbo`.
    """
    z = sample_posterior(posterior, num_samples, seed)  # (S, B, k)
    reconstruction = expected_log_likelihood(x, z, decode)
    kl = kl_divergence(posterior, prior, z, analytic=analytic_kl)
    return {"reconstruction": reconstruction, "kl": kl, "elbo": reconstruction - kl}


#: Latents decoded at once by the evaluation methods (`iwae_bound`'s passes, and the
#: batches of `elbo` with many samples): the memory of one pass.
MAX_DECODES = 1024


def samples_batch(batch_size, num_samples):
    """Examples per pass when each is decoded `num_samples` times: `batch_size`, at
    most `MAX_DECODES // num_samples` and at least 1."""
    return max(1, min(int(batch_size), MAX_DECODES // int(num_samples)))


def iwae_bound(x, posterior, prior, decode, num_samples, seed, max_decodes=MAX_DECODES):
    """Importance-weighted bound log (1/K) sum_k p(x, z_k) / q(z_k|x) (Burda et al. 2016).

    Equals the ELBO for K = 1, rises with K and tends to log p(x). The K samples are
    decoded in passes of at most `max_decodes` latents (K * B of them at once would
    hold K copies of every activation), each pass with its own stateless seed
    folded from `seed`; only the `(K, B)` log-weights are kept.

    Args:
        x: tensor `(B, *event_shape)`.
        posterior: q(z|x), batch `(B,)`, event `(k,)`.
        prior: p(z), event `(k,)`.
        decode: callable, latents `(N, k)` -> likelihood with batch `(N,)`.
        num_samples: int. Importance samples K per example.
        seed: stateless seed `(2,)`.
        max_decodes: int. Latents decoded per pass (at least one sample per pass).

    Returns:
        Tensor `(B,)`.
    """
    per_pass = max(1, int(max_decodes) // max(1, int(x.shape[0] or 1)))
    log_w = []
    for i, start in enumerate(range(0, num_samples, per_pass)):
        pass_seed = seed if i == 0 else tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int32), i)
        with tf.control_dependencies(log_w[-1:]):  # in a graph, one pass after the other: one pass's activations at a time
            z = sample_posterior(posterior, min(per_pass, num_samples - start), pass_seed)  # (K_i, B, k)
        log_w.append(log_likelihood_samples(x, z, decode) + prior.log_prob(z) - posterior.log_prob(z))  # (K_i, B)
    log_w = tf.concat(log_w, axis=0)
    return tf.reduce_logsumexp(log_w, axis=0) - tf.math.log(tf.cast(num_samples, log_w.dtype))
