"""The ELBO and IWAE estimators against a linear-Gaussian model where log p(x) is exact.

Model: z ~ N(0, I_2), x | z ~ N(W z + b, s^2 I_3). Then p(x) = N(b, W W^T + s^2 I) and
the posterior is N(mu(x), S) with S = (I + W^T W / s^2)^-1, mu(x) = S W^T (x - b) / s^2.
Tolerances are 4 Monte-Carlo standard errors of the quantity compared.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tfvae import VAE
from tfvae.layers import FullCovarianceNormal, Normal
from tfvae.models import elbo as elbo_lib

tfd = tfp.distributions
W = np.array([[1.0, -0.5], [0.3, 0.8], [-0.7, 0.4]])  # (n=3, k=2)
B = np.array([0.2, -0.1, 0.5])
SIGMA = 0.5
X = np.array([[0.4, 0.9, -0.3]], dtype="float32")
N_REPLICAS = 4000


def _true_posterior():
    cov = np.linalg.inv(np.eye(2) + W.T @ W / SIGMA**2)
    gain = cov @ W.T / SIGMA**2  # mu(x) = gain @ (x - b)
    return gain, cov


def _log_evidence(x):
    return tfd.MultivariateNormalFullCovariance(B, W @ W.T + SIGMA**2 * np.eye(3)).log_prob(x.astype("float64")).numpy()


def _encoder_params(loc_shift=0.0, cov_scale=1.0):
    """Dense weights that make the encoder output the true posterior, optionally
    perturbed (mean shifted, covariance scaled)."""
    gain, cov = _true_posterior()
    layer = FullCovarianceNormal(2)
    tril = np.linalg.cholesky(cov * cov_scale)
    raw_diag = tfp.math.softplus_inverse(np.diag(tril) - layer.min_scale).numpy()
    raw = tril.copy()
    np.fill_diagonal(raw, raw_diag)
    kernel = np.zeros((3, layer.params_size()))
    kernel[:, :2] = gain.T
    bias = np.concatenate([-gain @ B + loc_shift, tfp.math.fill_triangular_inverse(raw).numpy()])
    return kernel, bias


def _linear_gaussian_vae(loc_shift=0.0, cov_scale=1.0, analytic_kl=None):
    encoder = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5)])
    decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    encoder.set_weights(_encoder_params(loc_shift, cov_scale))
    decoder.set_weights([W.T, B])
    return VAE(
        (3,),
        2,
        likelihood=Normal((3,), scale="fixed", fixed_scale=SIGMA),
        posterior="full",
        encoder=encoder,
        decoder=decoder,
        analytic_kl=analytic_kl,
    )


def _closed_form_elbo(model, x):
    """E_q log N(x; Wz+b, s^2) - KL(q || p), exactly."""
    q = model.encode(x)
    mu, cov = q.mean().numpy()[0].astype("float64"), q.covariance().numpy()[0].astype("float64")
    resid = x[0] - (W @ mu + B)
    expected_ll = -0.5 * (resid @ resid + np.trace(W @ cov @ W.T)) / SIGMA**2 - 3 * np.log(SIGMA) - 1.5 * np.log(2 * np.pi)
    kl = 0.5 * (np.trace(cov) + mu @ mu - 2 - np.log(np.linalg.det(cov)))
    return expected_ll - kl


def _replicated_estimates(fn):
    """One independent estimate per row of a batch of copies of X: mean and standard error."""
    values = fn(np.repeat(X, N_REPLICAS, axis=0)).numpy().astype("float64")
    return values.mean(), values.std(ddof=1) / np.sqrt(len(values))


def test_closed_form_elbo_equals_log_evidence_at_the_true_posterior():
    model = _linear_gaussian_vae()
    np.testing.assert_allclose(_closed_form_elbo(model, X), _log_evidence(X), atol=2e-4)


@pytest.mark.parametrize("analytic_kl", [True, False])
def test_mc_elbo_matches_log_evidence_at_the_true_posterior(analytic_kl):
    model = _linear_gaussian_vae(analytic_kl=analytic_kl)
    mean, se = _replicated_estimates(lambda x: model.elbo(x, seed=1))
    assert abs(mean - _log_evidence(X)[0]) < 4 * se + 1e-4


@pytest.mark.parametrize("shift, scale", [(0.8, 1.0), (0.0, 3.0), (-0.5, 0.3)])
def test_elbo_is_below_log_evidence_for_other_posteriors(shift, scale):
    model = _linear_gaussian_vae(loc_shift=shift, cov_scale=scale)
    exact = _closed_form_elbo(model, X)
    mean, se = _replicated_estimates(lambda x: model.elbo(x, seed=2))
    assert abs(mean - exact) < 4 * se
    # The gap is KL(q(z|x) || p(z|x)) > 0 (eq. 2.5).
    gain, cov = _true_posterior()
    true_posterior = tfd.MultivariateNormalFullCovariance(gain @ (X[0] - B), cov)
    q = model.encode(X)
    q64 = tfd.MultivariateNormalFullCovariance(q.mean()[0].numpy().astype("float64"), q.covariance()[0].numpy().astype("float64"))
    gap = tfd.kl_divergence(q64, true_posterior).numpy()
    assert gap > 0.05
    np.testing.assert_allclose(_log_evidence(X)[0] - exact, gap, rtol=1e-3)


def test_iwae_rises_with_k_toward_log_evidence():
    model = _linear_gaussian_vae(loc_shift=0.8, cov_scale=2.0)
    log_px = _log_evidence(X)[0]
    estimates = [_replicated_estimates(lambda x: model.log_likelihood(x, num_samples=k, seed=3, batch_size=N_REPLICAS)) for k in (1, 10, 100)]
    means = [m for m, _ in estimates]
    for (m_small, se_small), (m_big, se_big) in zip(estimates, estimates[1:]):
        assert m_big - m_small > 4 * np.hypot(se_small, se_big)
    for m, se in estimates:
        assert m < log_px + 4 * se
    assert log_px - means[-1] < 0.1 * (log_px - means[0])
    np.testing.assert_allclose(means[0], _closed_form_elbo(model, X), atol=4 * estimates[0][1])


def test_iwae_decodes_at_most_max_decodes_latents_a_pass_and_keeps_its_value():
    model = _linear_gaussian_vae(loc_shift=0.8, cov_scale=2.0)
    x = tf.constant(np.repeat(X, N_REPLICAS, axis=0))
    posterior, seed = model.encode(x), tf.constant([5, 0])
    sizes = []

    def decode(z):
        sizes.append(int(z.shape[0]))
        return model.decode(z)

    chunked = elbo_lib.iwae_bound(x, posterior, model.prior, decode, 10, seed, max_decodes=3 * N_REPLICAS).numpy()
    assert sizes == [3 * N_REPLICAS] * 3 + [N_REPLICAS]  # 3 + 3 + 3 + 1 samples
    whole = elbo_lib.iwae_bound(x, posterior, model.prior, model.decode, 10, seed, max_decodes=10 * N_REPLICAS).numpy()
    assert not np.allclose(chunked, whole)  # other noise after the first pass...
    se = np.hypot(chunked.std(), whole.std()) / np.sqrt(N_REPLICAS)
    assert abs(chunked.mean() - whole.mean()) < 4 * se  # ...for the same estimator
    one_pass = elbo_lib.iwae_bound(x, posterior, model.prior, model.decode, 3, seed, max_decodes=3 * N_REPLICAS)
    np.testing.assert_allclose(one_pass, elbo_lib.iwae_bound(x, posterior, model.prior, model.decode, 3, seed,
                                                             max_decodes=100 * N_REPLICAS))  # one pass either way


@pytest.mark.parametrize("analytic_kl", [True, False])
def test_reparameterized_gradient_matches_analytic_gradient(analytic_kl):
    """Eq. 2.16: the single-sample reparameterized gradient w.r.t. the posterior's
    parameters is unbiased for the gradient of the closed-form ELBO."""
    model = _linear_gaussian_vae()
    layer = model.posterior
    theta = tf.constant(_encoder_params(loc_shift=0.6, cov_scale=1.5)[1][None], tf.float32)  # (1, P)
    prior = model.prior
    x = tf.constant(np.repeat(X, N_REPLICAS, axis=0))

    params = tf.Variable(tf.tile(theta, (N_REPLICAS, 1)))  # one copy per replica
    with tf.GradientTape() as tape:
        terms = elbo_lib.elbo_terms(x, layer(params), prior, model.decode, 1, tf.constant([5, 0]), analytic_kl=analytic_kl)
        total = tf.reduce_sum(terms["elbo"])
    per_replica = tape.gradient(total, params).numpy().astype("float64")  # (R, P)

    theta_var = tf.Variable(theta)
    with tf.GradientTape() as tape:
        q = layer(theta_var)
        mu, cov = q.mean()[0], q.covariance()[0]
        resid = X[0] - (tf.linalg.matvec(tf.constant(W, tf.float32), mu) + B)
        expected_ll = -0.5 * (tf.reduce_sum(resid**2) + tf.linalg.trace(tf.constant(W, tf.float32) @ cov @ tf.constant(W.T, tf.float32))) / SIGMA**2
        exact = expected_ll - tfd.kl_divergence(q, prior)[0]
    analytic = tape.gradient(exact, theta_var).numpy()[0]

    mean = per_replica.mean(axis=0)
    se = per_replica.std(axis=0, ddof=1) / np.sqrt(N_REPLICAS)
    assert np.all(np.abs(mean - analytic) < 4 * se + 1e-4), (mean, analytic, se)
    assert np.abs(analytic).max() > 0.1  # the test point is away from the optimum


def test_several_samples_average_rather_than_add():
    """With num_samples=5 the estimate is still the ELBO, not five times its reconstruction."""
    model = _linear_gaussian_vae(loc_shift=0.8)
    exact = _closed_form_elbo(model, X)
    mean, se = _replicated_estimates(lambda x: model.elbo(x, num_samples=5, seed=4))
    assert abs(mean - exact) < 4 * se + 1e-4
    _, single_se = _replicated_estimates(lambda x: model.elbo(x, num_samples=1, seed=4))
    assert se < single_se  # and five samples lower the spread
