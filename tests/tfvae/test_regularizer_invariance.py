"""Background-swap invariance: the penalty against closed forms and through the model's swap."""

import numpy as np
import tensorflow as tf
from helpers import terms_with_and_without, toy_contrastive_data

from tfvae import regularizers

TARGET, BACKGROUND, _ = toy_contrastive_data(64)
BATCH = {"target": tf.constant(TARGET[:16]), "background": tf.constant(BACKGROUND[:12])}


def _spread(means):
    return np.mean(((means - means.mean(0)) ** 2).sum(1))  # the sum of the per-dimension variances


def test_swap_penalty_of_a_linear_encoder_has_closed_form():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(6, 2)).astype("float32")
    salient_mean = lambda x: tf.reshape(x, (-1, 6)) @ weights  # E[s|x] = W^T x
    target, decoded, background = (rng.normal(size=(4, 3, 2)).astype("float32") for _ in range(3))
    np.testing.assert_allclose(regularizers.swap_background(target, decoded, background), target - decoded + background, rtol=1e-6)
    # Linear: the means move by W^T (x_b - b), whatever the target; divided by the spread.
    means = target.reshape(4, 6) @ weights
    expected = (((background - decoded).reshape(4, 6) @ weights) ** 2).sum(1) / (_spread(means) + 1e-4)
    np.testing.assert_allclose(regularizers.background_swap_penalty(salient_mean, target, decoded, background), expected,
                               rtol=1e-4)
    # Scaling the salient space scales moves and spread alike: the penalty stays.
    scaled = lambda x: 10.0 * salient_mean(x)
    np.testing.assert_allclose(regularizers.background_swap_penalty(scaled, target, decoded, background), expected, rtol=1e-3)
    np.testing.assert_allclose(regularizers.salient_spread(means), _spread(means), rtol=1e-5)
    # The decoded background is held fixed: no gradient reaches it.
    decoded_t = tf.constant(decoded)
    with tf.GradientTape() as tape:
        tape.watch(decoded_t)
        value = tf.reduce_sum(regularizers.background_swap_penalty(salient_mean, target, decoded_t, background))
    assert tape.gradient(value, decoded_t) is None


def test_invariance_is_the_salient_move_under_the_models_own_swap():
    """Target i lies on background i mod B_b after its decoded background is removed."""
    plain, terms, model = terms_with_and_without(regularizers.BackgroundSwapInvariance(4.0), BATCH, decoder="additive")
    target, background = BATCH["target"].numpy(), BATCH["background"].numpy()
    paired = background[np.arange(16) % 12]  # 16 targets, 12 backgrounds
    swapped = target - model.separate(target)["background"] + paired  # may leave [0, 1]: the encoder takes it unchecked
    means = model.salient_embedding(target)
    move = means - model._posteriors(tf.constant(swapped))[0].mean().numpy()
    expected = 64 * np.mean((move**2).sum(1)) / (_spread(means) + 1e-4)  # per value of the 8x8 examples
    np.testing.assert_allclose(terms["invariance"], expected, rtol=1e-4)
    np.testing.assert_allclose(terms["loss"] - plain["loss"], 4.0 * terms["invariance"], rtol=1e-4)
    # Gradients reach the salient encoder only: the decoded background is held fixed.
    with tf.GradientTape() as tape:
        penalty = model._loss_terms(BATCH, training=True)["invariance"]
    grads = tape.gradient(penalty, model.decoder.trainable_variables + model.background_encoder.trainable_variables
                          + model.salient_encoder.trainable_variables)
    fixed = len(model.decoder.trainable_variables + model.background_encoder.trainable_variables)
    assert all(g is None for g in grads[:fixed]) and all(g is not None for g in grads[fixed:])
