"""Likelihood layers: log-densities against closed forms, supports, config round trips."""

import math

import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_layer_config_round_trip

from tfvae.layers import Bernoulli, ContinuousBernoulli, LowRankNormal, NegativeBinomial, Normal, Poisson, get_likelihood

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


def _dense_normal_log_prob(x, mu, cov):
    r = (x - mu).reshape(len(x), -1)
    return -0.5 * (np.einsum("bi,ij,bj->b", r, np.linalg.inv(cov), r) + np.linalg.slogdet(cov)[1] + r.shape[1] * np.log(2 * np.pi))


def test_low_rank_normal_is_the_dense_gaussian_and_its_noise_mean_the_conditional_mean():
    layer = LowRankNormal(SHAPE, rank=2, fixed_scale=0.3)
    assert layer.params_size() == 6
    w = (0.5 * RNG.normal(size=(6, 2))).astype("float32")
    layer.factor.assign(w)
    mu, cov = LOGITS.reshape(4, *SHAPE), 0.09 * np.eye(6) + w @ w.T  # sigma^2 I + W W^T
    dist = layer(LOGITS)
    np.testing.assert_allclose(dist.log_prob(X01), _dense_normal_log_prob(X01, mu, cov), rtol=1e-4)
    np.testing.assert_allclose(dist.mean(), mu, rtol=1e-6)
    # E[W u | x] = W W^T (W W^T + sigma^2 I)^-1 (x - mu), the Gaussian conditional mean.
    r = (X01 - mu).reshape(4, 6)
    expected = (w @ w.T @ np.linalg.solve(cov, r.T)).T.reshape(4, *SHAPE)
    np.testing.assert_allclose(layer.noise_mean(tf.constant(X01 - mu)), expected, rtol=1e-4, atol=1e-6)
    layer.factor.assign(np.zeros((6, 2), "float32"))  # W = 0: the Normal with one global scale
    np.testing.assert_allclose(layer(LOGITS).log_prob(X01), _normal_log_prob(X01, mu, 0.3), rtol=1e-4)


def test_low_rank_normal_maximum_likelihood_is_probabilistic_pca():
    # Data from a PPCA with 2 factors in 6 dimensions; Tipping & Bishop's closed form:
    # W = U_k (Lambda_k - sigma^2 I)^(1/2), sigma^2 the mean of the other eigenvalues.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4000, 2)) @ rng.normal(size=(2, 6)) + 0.3 * rng.normal(size=(4000, 6))
    eigenvalues, vectors = np.linalg.eigh(np.cov(x.T, bias=True))
    eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
    noise = eigenvalues[2:].mean()
    closed_form = vectors[:, :2] * np.sqrt(eigenvalues[:2] - noise)
    layer = LowRankNormal((6,), 2, fixed_scale=float(np.sqrt(noise)))
    params = np.tile(x.mean(0), (len(x), 1)).astype("float32")

    def mean_log_prob_and_gradient(w):
        layer.factor.assign(w.astype("float32"))
        with tf.GradientTape() as tape:
            value = tf.reduce_mean(layer(params).log_prob(x.astype("float32")))
        return float(value), [np.abs(g.numpy()).max() for g in tape.gradient(value, [layer.factor, layer.raw_scale])]

    best, at_best = mean_log_prob_and_gradient(closed_form)
    for other in (1.1 * closed_form, 0.9 * closed_form, closed_form + 0.05 * rng.normal(size=(6, 2))):
        value, gradient = mean_log_prob_and_gradient(other)
        assert value < best
        assert max(at_best) < 0.01 * max(gradient)  # stationary at the closed form, not elsewhere


def test_low_rank_normal_factor_learns_only_when_asked():
    layer = LowRankNormal(SHAPE, 2, factor_stddev=0.1)

    def factor_gradient(learn):
        with tf.GradientTape() as tape:
            value = tf.reduce_sum(layer(LOGITS, learn_factor=learn).log_prob(X01))
        gradient = tape.gradient(value, layer.factor)
        return 0.0 if gradient is None else float(tf.reduce_max(tf.abs(gradient))), float(value)

    learned, held = factor_gradient(True), factor_gradient(False)
    assert learned[0] > 0 and held[0] == 0.0 and learned[1] == held[1]
    assert factor_gradient(tf.constant(True))[0] == learned[0] and factor_gradient(tf.constant(False))[0] == 0.0
    for wrong in (dict(rank=0), dict(rank=6), dict(rank=2, factor_stddev=0.0), dict(rank=2, fixed_scale=1e-3)):
        with pytest.raises(ValueError, match="LowRankNormal"):
            LowRankNormal(SHAPE, **wrong)


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


@pytest.mark.parametrize("layer", [Bernoulli(SHAPE), ContinuousBernoulli(SHAPE), Poisson(SHAPE), NegativeBinomial(SHAPE),
                                   Normal(SHAPE)])
def test_batch_in_support_agrees_with_the_elementwise_test(layer):
    # The input checks test a batch from its min and max; on finite batches that
    # must say what the elementwise mask says, one stray value included.
    rng = np.random.default_rng(0)
    for value in (0.0, 0.5, 1.0, 1.7, -0.1, 3.0, 2.5, -4.0, 1e6):
        x = rng.integers(0, 2, size=(5, *SHAPE)).astype("float32")
        x[2, 0, 1] = value
        x = tf.constant(x)
        expected = bool(tf.reduce_all(layer.in_support(x)))
        assert bool(layer.batch_in_support(x, tf.reduce_min(x), tf.reduce_max(x))) == expected, value


@pytest.mark.parametrize(
    "layer",
    [
        Bernoulli(SHAPE),
        ContinuousBernoulli(SHAPE),
        Normal(SHAPE, scale="global", fixed_scale=0.2),
        Normal(SHAPE, scale="predicted"),
        LowRankNormal(SHAPE, 2, seed=3),
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


def test_count_encoders_read_log1p_and_files_of_0_2_keep_raw_counts():
    import tfvae
    from tfvae.layers import NegativeBinomial, Poisson

    counts = np.array([[0.0, 3.0, 1000.0]], "float32")
    model = tfvae.VAE((3,), 2, likelihood="negative_binomial", network_kwargs={"hidden_units": (4,)}, seed=0)
    np.testing.assert_allclose(model.encoder_input(counts), np.log1p(counts), rtol=1e-6)
    assert model.likelihood.get_config()["log_inputs"] is True
    old = {k: v for k, v in Poisson((3,)).get_config().items() if k != "log_inputs"}  # a 0.2 file's config
    assert Poisson.from_config(old).log_inputs is False
    np.testing.assert_array_equal(NegativeBinomial((3,), log_inputs=False).encoder_input(counts), counts)
    assert NegativeBinomial.from_config(NegativeBinomial((3,)).get_config()).log_inputs is True
