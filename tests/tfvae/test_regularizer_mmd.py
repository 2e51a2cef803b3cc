"""The MMD penalties of MM-cVAE: the kernel against closed forms, the two terms through the model."""

import numpy as np
import tensorflow as tf
from helpers import assert_layer_config_round_trip, terms_with_and_without, toy_contrastive_data

from tfvae import regularizers

TARGET, BACKGROUND, _ = toy_contrastive_data(64)
BATCH = {"target": tf.constant(TARGET[:16]), "background": tf.constant(BACKGROUND[:12])}


def test_mmd_of_point_masses_has_closed_form():
    a, b = tf.fill((16, 1), 0.0), tf.fill((16, 1), 1.5)
    h = 0.7
    expected = 2.0 - 2.0 * np.exp(-(1.5**2) / (2 * h**2))
    np.testing.assert_allclose(regularizers.mmd(a, b, bandwidths=(h,)), expected, rtol=1e-5)
    np.testing.assert_allclose(regularizers.mmd(a, a, bandwidths=(h,)), 0.0, atol=1e-6)


def test_mmd_grows_with_the_distance_between_distributions():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype("float32")
    values = [float(regularizers.mmd(x, rng.normal(size=(200, 3)).astype("float32") + shift)) for shift in (0.0, 0.5, 2.0)]
    assert values[0] < 0.02 < values[1] < values[2]


def test_rbf_kernel_averages_bandwidths():
    a, b = tf.constant([[0.0, 0.0]]), tf.constant([[3.0, 4.0]])
    expected = np.mean([np.exp(-25 / (2 * h**2)) for h in (1.0, 5.0)])
    np.testing.assert_allclose(regularizers.rbf_kernel(a, b, (1.0, 5.0)), [[expected]], rtol=1e-5)


def test_background_mmd_compares_the_two_groups_background_samples():
    plain, terms, model = terms_with_and_without(regularizers.BackgroundMMD(3.0, bandwidths=(0.5, 2.0)), BATCH)
    forward = terms["_forward"]
    expected = regularizers.mmd(forward.z_background, forward.z, (0.5, 2.0))
    np.testing.assert_allclose(terms["mmd_background"], expected, rtol=1e-5)
    assert float(terms["mmd_background"]) > 1e-4 and "mmd_background" not in plain
    np.testing.assert_allclose(terms["loss"] - plain["loss"], 3.0 * terms["mmd_background"], rtol=1e-4)
    assert model.regularizers[0].bandwidths == (0.5, 2.0)


def test_salient_mmd_compares_the_backgrounds_salient_samples_with_zero():
    plain, terms, _ = terms_with_and_without(regularizers.SalientMMD(2.0), BATCH)
    forward = terms["_forward"]
    s_b = forward.s_background  # a sample of q(s|x_b) per background example
    assert s_b.shape == (12, 2)
    q = forward.q_s_background
    assert np.abs(q.mean().numpy() - s_b.numpy()).max() < 6 * q.stddev().numpy().max()
    np.testing.assert_allclose(terms["mmd_salient"], regularizers.mmd(s_b, tf.zeros_like(s_b)), rtol=1e-5)
    np.testing.assert_allclose(terms["loss"] - plain["loss"], 2.0 * terms["mmd_salient"], rtol=1e-4)


def test_mmd_penalties_round_trip_and_refuse_bad_bandwidths():
    import pytest

    clone = assert_layer_config_round_trip(regularizers.SalientMMD(4.0, bandwidths=(1.0,)))
    assert clone.bandwidths == (1.0,) and clone.weight.final == 4.0
    with pytest.raises(ValueError, match="bandwidths must be positive"):
        regularizers.BackgroundMMD(1.0, bandwidths=(0.0,))
