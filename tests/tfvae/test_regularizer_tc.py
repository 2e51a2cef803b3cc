"""Total correlation (Abid & Zou): the estimator, and the discriminator's own step."""

import keras
import numpy as np
import tensorflow as tf
from helpers import assert_layer_config_round_trip, terms_with_and_without, toy_contrastive_data

from tfvae import regularizers

TARGET, BACKGROUND, _ = toy_contrastive_data(64)
BATCH = {"target": tf.constant(TARGET[:16]), "background": tf.constant(BACKGROUND[:12])}


def test_permute_dims_shuffles_s_across_the_batch_and_keeps_z():
    s = tf.reshape(tf.range(10.0), (10, 1))
    z = tf.reshape(tf.range(10.0, 30.0), (10, 2))
    out = regularizers.permute_dims(s, z, tf.constant([1, 2])).numpy()
    np.testing.assert_array_equal(out[:, 1:], z)
    assert sorted(out[:, 0]) == list(range(10)) and not np.array_equal(out[:, 0], np.arange(10))


def _train_discriminator(s, z, steps=300):
    discriminator = regularizers.TCDiscriminator((16,))
    discriminator.build((None, 2))
    optimizer = keras.optimizers.Adam(1e-2)

    @tf.function
    def step(seed):
        joint, product = tf.concat([s, z], -1), regularizers.permute_dims(s, z, seed)
        with tf.GradientTape() as tape:
            loss = regularizers.discriminator_loss(discriminator, joint, product)
        optimizer.apply_gradients(zip(tape.gradient(loss, discriminator.trainable_variables), discriminator.trainable_variables))
        return loss

    for i in range(steps):
        step(tf.constant([i, 0]))
    return float(regularizers.total_correlation(discriminator, tf.concat([s, z], -1)))


def test_tc_estimate_detects_dependence():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(256, 1)).astype("float32")
    dependent = _train_discriminator(s, s + 0.1 * rng.normal(size=(256, 1)).astype("float32"))
    independent = _train_discriminator(s, rng.normal(size=(256, 1)).astype("float32"))
    assert dependent > 1.0 and abs(independent) < 0.5, (dependent, independent)


def test_linear_discriminator_is_logistic_regression():
    discriminator = regularizers.TCDiscriminator(())
    discriminator.build((None, 3))
    kernel, bias = discriminator.get_weights()
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(discriminator(x), x @ kernel[:, 0] + bias[0], rtol=1e-5, atol=1e-6)  # a logit near 0 gets no rtol slack
    assert assert_layer_config_round_trip(regularizers.TCDiscriminator((8, 4))).hidden_units == (8, 4)


def test_tc_penalty_is_the_mean_logit_of_the_targets_latent_samples():
    plain, terms, model = terms_with_and_without(regularizers.TotalCorrelation(5.0, hidden_units=(8,)), BATCH)
    forward, tc = terms["_forward"], model.regularizers[0]
    expected = np.mean(tc.discriminator(tf.concat([forward.s, forward.z], -1)))
    np.testing.assert_allclose(terms["tc"], expected, rtol=1e-5)
    np.testing.assert_allclose(terms["loss"] - plain["loss"], 5.0 * terms["tc"], rtol=1e-4, atol=1e-5)


def test_the_discriminator_trains_by_its_own_optimizer_only(tmp_path):
    _, _, model = terms_with_and_without(regularizers.TotalCorrelation(1.0, hidden_units=(8,)), BATCH)
    tc = model.regularizers[0]
    model.compile(keras.optimizers.Adam(1e-3))
    decoder_before = [w.copy() for w in model.decoder.get_weights()]
    disc_before = [w.copy() for w in tc.discriminator.get_weights()]
    terms = model._loss_terms(BATCH, training=True)
    logged = model._auxiliary_step(terms)  # the own step alone: the model's networks stay
    assert set(logged) == {"tc_discriminator_loss"}
    assert all(np.array_equal(a, b) for a, b in zip(decoder_before, model.decoder.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(disc_before, tc.discriminator.get_weights()))
    assert not {id(v) for v in tc.discriminator.trainable_variables} & {id(v) for v in model._trainable_for_loss()}
    history = model.fit(tf.data.Dataset.from_tensors(BATCH), epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 1 and int(tc.discriminator_optimizer.iterations) == 2
    assert "tc_discriminator_loss" in history.history
    model.save(tmp_path / "tc.keras")
    loaded = keras.models.load_model(tmp_path / "tc.keras")
    for a, b in zip(loaded.regularizers[0].discriminator.get_weights(), tc.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(loaded.regularizers[0].discriminator_optimizer.iterations) == 2
