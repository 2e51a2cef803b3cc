"""Likelihood layers: log-densities against closed forms, supports, config round trips."""

import math

import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_layer_config_round_trip

from tfvae.layers import Bernoulli, ContinuousBernoulli, NegativeBinomial, Normal, Poisson, get_likelihood

SHAPE = (2, 3)
RNG = np.random.default_rng(0)
X01 = RNG.uniform(size=(4, *SHAPE)).astype("float32")
COUNTS = RNG.integers(0, 6, size=(4, *SHAPE)).astype("float32")
LOGITS = RNG.normal(size=(4, 6)).astype("float32")


def _lgamma(v):
    return np.vectorize(math.lgamma)(v)


def test_bernoulli_log_prob_is_cross_entropy():
    p = 1 / (1 + np.exp(-LOGITS.reshape(4, *SHAPE)))
    expected = (X01 * np.log(p) + (1 - X01) * np.log1p(-p)).sum(axis=(1, 2))
    np.testing.assert_allclose(Bernoulli(SHAPE)(LOGITS).log_prob(X01), expected, rtol=1e-5)


def test_continuous_bernoulli_adds_its_normalizer():
    lam = 1 / (1 + np.exp(-LOGITS.reshape(4, *SHAPE)))
    log_c = np.log(2 * np.arctanh(1 - 2 * lam) / (1 - 2 * lam))
    expected = (X01 * np.log(lam) + (1 - X01) * np.log1p(-lam) + log_c).sum(axis=(1, 2))
    np.testing.assert_allclose(ContinuousBernoulli(SHAPE)(LOGITS).log_prob(X01), expected, rtol=1e-4)


def _normal_log_prob(x, mu, sigma):
    return (-0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)).sum(axis=(1, 2))


@pytest.mark.parametrize("scale", ["fixed", "global", "per_dimension"])
def test_normal_with_shared_scale(scale):
    layer = Normal(SHAPE, scale=scale, fixed_scale=0.3)
    assert layer.params_size() == 6
    expected = _normal_log_prob(X01, LOGITS.reshape(4, *SHAPE), 0.3)
    np.testing.assert_allclose(layer(LOGITS).log_prob(X01), expected, rtol=1e-4)
    assert len(layer.trainable_weights) == (0 if scale == "fixed" else 1)


def test_normal_with_predicted_scale():
    layer = Normal(SHAPE, scale="predicted", min_scale=1e-3)
    params = RNG.normal(size=(4, 12)).astype("float32")
    pairs = params.reshape(4, *SHAPE, 2)
    sigma = np.log1p(np.exp(pairs[..., 1])) + 1e-3
    np.testing.assert_allclose(layer(params).log_prob(X01), _normal_log_prob(X01, pairs[..., 0], sigma), rtol=1e-4)


def test_poisson_log_prob():
    rate = np.exp(LOGITS.reshape(4, *SHAPE))
    expected = (COUNTS * np.log(rate) - rate - _lgamma(COUNTS + 1)).sum(axis=(1, 2))
    np.testing.assert_allclose(Poisson(SHAPE)(LOGITS).log_prob(COUNTS), expected, rtol=1e-4)


def test_negative_binomial_mean_and_log_prob():
    layer = NegativeBinomial(SHAPE, initial_dispersion=2.0)
    dist = layer(LOGITS)
    mu, r = np.exp(LOGITS.reshape(4, *SHAPE)), 2.0
    np.testing.assert_allclose(dist.mean(), mu, rtol=1e-4)
    expected = (
        _lgamma(COUNTS + r) - _lgamma(r) - _lgamma(COUNTS + 1) + r * np.log(r / (r + mu)) + COUNTS * np.log(mu / (r + mu))
    ).sum(axis=(1, 2))
    np.testing.assert_allclose(dist.log_prob(COUNTS), expected, rtol=1e-4)


@pytest.mark.parametrize(
    "layer, inside, outside",
    [
        (Bernoulli(SHAPE), 0.5, 1.7),
        (ContinuousBernoulli(SHAPE), 1.0, -0.1),
        (Poisson(SHAPE), 3.0, 2.5),
        (NegativeBinomial(SHAPE), 0.0, -1.0),
        (Normal(SHAPE), -4.0, np.inf),
    ],
)
def test_support(layer, inside, outside):
    assert bool(tf.reduce_all(layer.in_support(tf.fill(SHAPE, inside))))
    assert not bool(tf.reduce_any(layer.in_support(tf.fill(SHAPE, outside))))


@pytest.mark.parametrize(
    "layer",
    [
        Bernoulli(SHAPE),
        ContinuousBernoulli(SHAPE),
        Normal(SHAPE, scale="global", fixed_scale=0.2),
        Normal(SHAPE, scale="predicted"),
        Poisson(SHAPE),
        NegativeBinomial(SHAPE, initial_dispersion=3.0),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_likelihood_config_round_trip(layer):
    clone = assert_layer_config_round_trip(layer)
    clone.set_weights(layer.get_weights())
    params = RNG.normal(size=(2, layer.params_size())).astype("float32")
    x = COUNTS[:2]
    np.testing.assert_allclose(clone(params).log_prob(x), layer(params).log_prob(x), rtol=1e-6)


def test_bad_likelihood_arguments():
    with pytest.raises(ValueError, match="likelihood must be one of"):
        get_likelihood("gaussian", SHAPE)
    with pytest.raises(ValueError, match="scale must be one of"):
        Normal(SHAPE, scale="learned")
    with pytest.raises(ValueError, match="does not match"):
        get_likelihood(Bernoulli((3, 2)), SHAPE)
    with pytest.raises(ValueError, match="event_shape"):
        Bernoulli((0, 3))
