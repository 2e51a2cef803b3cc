"""The Wasserstein penalty of contrastiveVI against its closed form."""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from helpers import assert_layer_config_round_trip, terms_with_and_without, toy_contrastive_data

from tfvae import regularizers

tfd = tfp.distributions
TARGET, BACKGROUND, _ = toy_contrastive_data(64)
BATCH = {"target": tf.constant(TARGET[:16]), "background": tf.constant(BACKGROUND[:12])}


def test_squared_w2_to_origin_is_mean_norm_plus_trace():
    loc = np.array([[1.0, -2.0], [0.0, 0.5]], "float32")
    cov = np.array([[[2.0, 0.3], [0.3, 1.0]], [[0.5, 0.0], [0.0, 0.25]]], "float32")
    q = tfd.MultivariateNormalTriL(loc, tf.linalg.cholesky(cov))
    expected = (loc**2).sum(1) + np.trace(cov, axis1=1, axis2=2)
    np.testing.assert_allclose(regularizers.squared_w2_to_origin(q), expected, rtol=1e-5)


def test_wasserstein_penalizes_the_background_examples_salient_posteriors():
    plain, terms, model = terms_with_and_without(regularizers.Wasserstein(2.5), BATCH)
    q = model.encode(BATCH["background"])[0]  # q(s|x_b), not the targets' q(s|x_t)
    expected = np.mean((q.mean().numpy() ** 2).sum(1) + q.variance().numpy().sum(1))
    np.testing.assert_allclose(terms["wasserstein"], expected, rtol=1e-5)
    q_t = model.encode(BATCH["target"])[0]
    on_targets = np.mean((q_t.mean().numpy() ** 2).sum(1) + q_t.variance().numpy().sum(1))
    assert abs(on_targets - expected) > 1e-3  # the two groups differ, so the test can tell them apart
    np.testing.assert_allclose(terms["loss"] - plain["loss"], 2.5 * terms["wasserstein"], rtol=1e-4)
    assert assert_layer_config_round_trip(regularizers.Wasserstein(2.5)).weight.final == 2.5
