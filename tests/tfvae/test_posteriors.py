"""Posterior layers (and the learned mixture prior): parameter counts, mappings to
distributions, config round trips."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
from helpers import assert_layer_config_round_trip

from tfvae.layers import DiagonalNormal, FullCovarianceNormal, get_posterior


def test_diagonal_normal_maps_location_and_softplus_scale():
    layer = DiagonalNormal(3)
    assert layer.params_size() == 6
    params = np.arange(12, dtype="float32").reshape(2, 6) / 10.0  # (B, k * 2)
    q = layer(params)
    pairs = params.reshape(2, 3, 2)
    np.testing.assert_allclose(q.mean(), pairs[..., 0], rtol=1e-6)
    np.testing.assert_allclose(q.stddev(), np.log1p(np.exp(pairs[..., 1])) + 1e-4, rtol=1e-5)
    assert q.batch_shape == (2,) and q.event_shape == (3,)


def test_full_covariance_is_positive_definite_and_correlated():
    layer = FullCovarianceNormal(3)
    assert layer.params_size() == 3 + 6
    params = np.random.default_rng(0).normal(size=(4, 9)).astype("float32") * 3
    q = layer(params)
    tril = q.scale.to_dense().numpy().astype("float64")  # (B, k, k)
    np.testing.assert_array_equal(tril, np.tril(tril))
    assert np.all(np.diagonal(tril, axis1=1, axis2=2) >= 1e-4)
    cov = tril @ np.swapaxes(tril, 1, 2)
    assert np.all(np.linalg.eigvalsh(cov) > 0)
    assert np.abs(cov[:, 0, 1]).max() > 1e-2  # off-diagonal terms are free
    np.testing.assert_allclose(q.mean(), params[:, :3], rtol=1e-6)


@pytest.mark.parametrize("layer", [DiagonalNormal(2), FullCovarianceNormal(4, min_scale=1e-3)])
def test_posterior_config_round_trip(layer):
    clone = assert_layer_config_round_trip(layer)
    params = tf.ones((1, layer.params_size()))
    np.testing.assert_allclose(clone(params).log_prob(tf.zeros((1, layer.latent_dim))), layer(params).log_prob(tf.zeros((1, layer.latent_dim))))


def test_get_posterior_rejects_unknown_name():
    assert isinstance(get_posterior("full", 2), FullCovarianceNormal)
    with pytest.raises(ValueError, match="posterior must be one of"):
        get_posterior("cholesky", 2)


def test_full_covariance_kl_to_prior_is_closed_form():
    q = FullCovarianceNormal(2)(tf.constant([[0.5, -1.0, 0.3, 0.2, -0.4]]))
    prior = tfp.distributions.MultivariateNormalDiag(loc=tf.zeros(2))
    cov, mu = q.covariance().numpy()[0], q.mean().numpy()[0]
    expected = 0.5 * (np.trace(cov) + mu @ mu - 2 - np.log(np.linalg.det(cov)))
    np.testing.assert_allclose(tfp.distributions.kl_divergence(q, prior), [expected], rtol=1e-5)
