"""ContrastiveVAE: objective structure, regularizer interface, networks, separation, learning."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_model_config_round_trip, tiny_contrastive, toy_contrastive_data
from sklearn.metrics import silhouette_score

import pipelines
from tfvae import ContrastiveVAE, regularizers
from tfvae.layers import LowRankNormal
from tfvae.models import elbo as elbo_lib
from tfvae.schedules import Ramp

TARGET, BACKGROUND, LABELS = toy_contrastive_data()
BATCH = {"target": tf.constant(TARGET[:16]), "background": tf.constant(BACKGROUND[:12])}


def _group_gradients(model, variable, seed):
    """Largest |gradient| of `variable` from the target and from the background
    examples' mean reconstruction; 0.0 for none."""
    with tf.GradientTape(persistent=True) as tape:
        target = model._target_terms(BATCH["target"], seed, training=True)[0]
        background = model._background_terms(BATCH["background"], seed, training=True)[0]
        losses = (-tf.reduce_mean(target["target_reconstruction"]), -tf.reduce_mean(background["background_reconstruction"]))
    grads = [tape.gradient(loss, variable) for loss in losses]
    return [0.0 if g is None else float(tf.reduce_max(tf.abs(g))) for g in grads]


def test_background_examples_have_no_salient_kl_and_decode_with_s_zero():
    model = tiny_contrastive()
    seed = tf.constant([3, 0])
    terms = model._background_terms(BATCH["background"], seed, training=False)[0]
    assert "background_kl_salient" not in terms
    # Recompute E_q[log p(x | 0, z)] - KL(q(z|x) || p(z)) by hand with the same noise.
    q_z = model.background_posterior(model.background_encoder(BATCH["background"]))
    z = elbo_lib.sample_posterior(q_z, 1, seed)[0]
    rec = model.decode(tf.zeros((12, 2)), z).log_prob(BATCH["background"])
    np.testing.assert_allclose(terms["background_reconstruction"], rec, rtol=1e-5)
    np.testing.assert_allclose(terms["background_elbo"], rec - q_z.kl_divergence(model.background_prior), rtol=1e-5)
    # Without regularizers the background loss never reaches the salient encoder.
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(model._background_terms(BATCH["background"], seed, training=True)[0]["background_elbo"])
    assert all(g is None for g in tape.gradient(loss, model.salient_encoder.trainable_variables))


def test_target_elbo_uses_both_latents_and_beta_weighs_every_kl():
    model = tiny_contrastive(beta=0.25)
    terms = model._loss_terms(BATCH, training=False)
    np.testing.assert_allclose(
        terms["target_elbo"], terms["target_reconstruction"] - terms["target_kl_salient"] - terms["target_kl_background"],
        rtol=1e-5)
    assert np.all(terms["target_kl_salient"].numpy() > 0)
    # beta weighs the targets' two KLs and the backgrounds' KL alike.
    kl = lambda key: float(np.mean(terms[key]))
    expected = (-np.mean(terms["target_reconstruction"]) - np.mean(terms["background_reconstruction"])
                + 0.25 * (kl("target_kl_salient") + kl("target_kl_background") + kl("background_kl")))
    np.testing.assert_allclose(terms["loss"], expected, rtol=1e-5)


def test_separate_is_consistent_with_decode():
    model = tiny_contrastive()
    out = model.separate(TARGET[:5])
    q_s, q_z = model.encode(TARGET[:5])
    np.testing.assert_allclose(out["reconstruction"], model.decode(q_s.mean(), q_z.mean()).mean(), rtol=1e-5)
    np.testing.assert_allclose(out["background"], model.decode(tf.zeros((5, 2)), q_z.mean()).mean(), rtol=1e-5)
    np.testing.assert_allclose(out["foreground"], out["reconstruction"] - out["background"], atol=1e-6)
    np.testing.assert_allclose(out["foreground"] + out["background_layer"], TARGET[:5], atol=1e-6)  # two layers of x
    assert set(out) == {"reconstruction", "background", "foreground", "background_layer"}
    assert all(v.shape == TARGET[:5].shape for v in out.values())
    np.testing.assert_allclose(model.salient_embedding(TARGET[:5]), q_s.mean(), rtol=1e-6)
    np.testing.assert_allclose(model.background_embedding(TARGET[:5]), q_z.mean(), rtol=1e-6)


def test_low_rank_likelihood_learns_from_background_examples_from_its_start(tmp_path):
    likelihood = LowRankNormal((8, 8, 1), 3, factor_stddev=0.05, start=2)
    model = tiny_contrastive(decoder="additive", likelihood=likelihood)
    model.compile(keras.optimizers.Adam(1e-3))
    seed = tf.constant([4, 0])
    assert _group_gradients(model, likelihood.factor, seed) == [0.0, 0.0]  # before step 2
    model.optimizer.iterations.assign(2)
    from_targets, from_background = _group_gradients(model, likelihood.factor, seed)
    assert from_targets == 0.0 and from_background > 0  # W learns from background examples only
    # separate(): the noise's posterior mean of the residual joins the reconstruction and the background.
    x = TARGET[:6]
    q_s, q_z = model.encode(x)
    mean, background = model.decode(q_s.mean(), q_z.mean()).mean(), model.decode(tf.zeros((6, 2)), q_z.mean()).mean()
    texture = likelihood.noise_mean(x - mean).numpy()
    assert np.abs(texture).max() > 1e-3
    out = model.separate(x)
    np.testing.assert_allclose(out["reconstruction"], mean + texture, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["background"], background + texture, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["foreground"], mean - background, rtol=1e-5, atol=1e-6)
    assert assert_model_config_round_trip(model, TARGET[:4]).likelihood.start.start == 2
    model.save(tmp_path / "low_rank.keras")
    loaded = keras.models.load_model(tmp_path / "low_rank.keras")
    np.testing.assert_allclose(loaded.separate(x)["background"], out["background"], rtol=1e-5, atol=1e-6)


class _SalientNorm(regularizers.Regularizer):
    """A regularizer written the way a user would: the targets' mean ||E[s|x]||^2."""

    term = "salient_norm"

    def penalty(self, forward):
        return tf.reduce_mean(tf.reduce_sum(tf.square(forward.q_s.mean()), -1))


def test_a_new_regularizer_is_one_class_with_a_scheduled_weight():
    model = tiny_contrastive(regularizers=[_SalientNorm(weight=Ramp(3.0, start=2))])
    plain = tiny_contrastive()
    plain.set_weights(model.get_weights())
    model.compile(keras.optimizers.Adam(1e-3))
    terms, base = model._loss_terms(BATCH, training=False), plain._loss_terms(BATCH, training=False)
    expected = np.mean((model.salient_embedding(TARGET[:16]) ** 2).sum(1))
    np.testing.assert_allclose(terms["salient_norm"], expected, rtol=1e-5)
    np.testing.assert_allclose(terms["loss"], base["loss"], rtol=1e-6)  # weight 0 before step 2
    model.optimizer.iterations.assign(2)
    terms, base = model._loss_terms(BATCH, training=False), plain._loss_terms(BATCH, training=False)  # same noise
    np.testing.assert_allclose(terms["loss"] - base["loss"], 3.0 * terms["salient_norm"], rtol=1e-4)
    history = model.fit(tf.data.Dataset.from_tensors(BATCH), epochs=1, verbose=0).history
    assert "salient_norm" in history  # its tracker comes from its name
    with pytest.raises(ValueError, match="one name each"):
        tiny_contrastive(regularizers=[_SalientNorm(), _SalientNorm()])


def test_contrastive_model_round_trips_and_saves(tmp_path):
    model = tiny_contrastive(
        posterior="full", decoder="joint", beta=Ramp(1.0, duration=10),
        regularizers=[regularizers.TotalCorrelation(1.0, hidden_units=(4,)), regularizers.BackgroundMMD(2.0),
                      regularizers.SalientMMD(Ramp(1.0, start=3)), regularizers.Wasserstein(0.5),
                      regularizers.BackgroundSwapInvariance(3.0)])
    clone = assert_model_config_round_trip(model, TARGET[:4])
    assert [r.term for r in clone.regularizers] == ["tc", "mmd_background", "mmd_salient", "wasserstein", "invariance"]
    assert clone.regularizers[2].weight.start == 3 and clone.beta.duration == 10 and clone.decoder_kind == "joint"
    model.compile("adam")
    model.fit(tf.data.Dataset.from_tensors(BATCH), epochs=1, verbose=0)
    model.save(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras")
    np.testing.assert_allclose(loaded.elbo(TARGET[:6], seed=2), model.elbo(TARGET[:6], seed=2), rtol=1e-6)
    assert int(loaded.optimizer.iterations) == 1


def test_user_networks_replace_the_built_ones(tmp_path):
    def network(inputs_shape, size, name):
        inputs = keras.Input(inputs_shape)
        return keras.Model(inputs, keras.layers.Dense(size)(keras.layers.Flatten()(inputs)), name=name)

    model = ContrastiveVAE(
        (8, 8, 1), 2, 3, likelihood="continuous_bernoulli", regularizers=[],
        salient_encoder=network((8, 8, 1), 4, "mine_s"), background_encoder=network((8, 8, 1), 6, "mine_z"),
        decoder=network((5,), 64, "mine_x"), seed=0)
    assert model.salient_encoder.name == "mine_s" and model.decoder.name == "mine_x" and model.decoder_kind is None
    model.compile("adam")
    model.fit(tf.data.Dataset.from_tensors(BATCH), epochs=1, verbose=0)
    model.save(tmp_path / "mine.keras")
    loaded = keras.models.load_model(tmp_path / "mine.keras")
    np.testing.assert_allclose(loaded.salient_embedding(TARGET[:4]), model.salient_embedding(TARGET[:4]), rtol=1e-6)
    with pytest.raises(ValueError, match="salient_encoder maps"):
        ContrastiveVAE((8, 8, 1), 2, 3, salient_encoder=network((8, 8, 1), 5, "wrong"))
    with pytest.raises(ValueError, match="decoder maps"):
        ContrastiveVAE((8, 8, 1), 2, 3, decoder=network((5,), 63, "wrong"))


def test_additive_decoder_adds_a_foreground_that_does_not_depend_on_z():
    s, z = tf.random.normal((6, 2), seed=1), tf.random.normal((6, 2), seed=2)
    other_z = tf.random.normal((6, 2), seed=3)
    params = lambda model, s, z: model.decoder(tf.concat([s, z], -1))  # likelihood parameters
    additive = tiny_contrastive(decoder="additive")
    change = params(additive, s, z) - params(additive, tf.zeros_like(s), z)
    np.testing.assert_allclose(change, params(additive, s, other_z) - params(additive, tf.zeros_like(s), other_z), atol=1e-5)
    np.testing.assert_allclose(change, additive.decoder.first(s) - additive.decoder.first(tf.zeros_like(s)), atol=1e-5)
    assert {"salient_decoder", "background_decoder"} == {additive.decoder.first.name, additive.decoder.second.name}
    joint = tiny_contrastive(decoder="joint")  # a joint decoder lets z shape the foreground
    change = params(joint, s, z) - params(joint, tf.zeros_like(s), z)
    assert np.abs(change - (params(joint, s, other_z) - params(joint, tf.zeros_like(s), other_z))).max() > 1e-3
    with pytest.raises(ValueError, match="decoder must be one of"):
        tiny_contrastive(decoder="sum")


def test_contrastive_batches_and_arguments_are_checked():
    model = tiny_contrastive()
    model.compile("adam")
    with pytest.raises(ValueError, match="keys 'target' and 'background'"):
        model.fit(TARGET[:8], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"8 targets and 5 backgrounds.*pipelines.contrastive_pairs"):
        model.fit({"target": TARGET[:8], "background": BACKGROUND[:5]}, epochs=1, verbose=0)
    bad = {"target": TARGET[:8], "background": BACKGROUND[:8] + 2.0}
    with pytest.raises(ValueError, match="background has values outside the support"):
        model.fit(tf.data.Dataset.from_tensors(bad), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="salient_dim"):
        ContrastiveVAE((8, 8, 1), 0, 2)
    with pytest.raises(ValueError, match="weight must be >= 0"):
        regularizers.Wasserstein(-1.0)
    with pytest.raises(ValueError, match="architecture must be 'auto' or one of"):
        ContrastiveVAE((8, 8, 1), 2, 2, architecture="transformer")
    with pytest.raises(ValueError, match="likelihood must be one of"):
        ContrastiveVAE((8, 8, 1), 2, 2, likelihood="gamma")


def test_log_likelihood_bounds_the_elbo_and_samples_have_the_input_shape():
    model = tiny_contrastive()
    x = TARGET[:32]
    elbo = float(np.mean(model.elbo(x, num_samples=256, seed=0)))
    # K = 1 is an unbiased estimate of the ELBO: within 4 standard errors over 16 draws per example.
    single = model.log_likelihood(np.concatenate([x] * 16), num_samples=1, seed=0).numpy()
    assert abs(single.mean() - elbo) < 4 * single.std() / np.sqrt(len(single)) + 1e-3
    # The bound rises with K.
    assert float(np.mean(model.log_likelihood(x, num_samples=64, seed=0))) > single.mean()
    samples = model.sample(5, seed=1)
    assert samples.shape == (5, 8, 8, 1) and np.all(np.isfinite(samples))
    np.testing.assert_array_equal(model.sample(5, seed=1), samples)


def test_default_model_raises_salient_silhouette_without_background_leakage():
    """The contrastive-PCA synthetic data: 4 subgroups exist only in the target."""
    keras.utils.set_random_seed(0)
    data = pipelines.synthetic_subgroups(num_per_group=100, num_background=400, seed=0)
    target, labels = data.target["x"], data.target["label"]
    model = ContrastiveVAE((30,), 2, 12, network_kwargs={"hidden_units": (32,)}, seed=0)  # otherwise the defaults
    before = silhouette_score(model.salient_embedding(target), labels)
    pairs = pipelines.contrastive_pairs(data.target, data.background, seed=0).batch(32)
    model.compile(keras.optimizers.Adam(1e-2))
    history = model.fit(pairs, epochs=16, validation_data=pairs, verbose=0)
    after = silhouette_score(model.salient_embedding(target), labels)
    assert after > before + 0.3 and after > 0.4, (before, after)
    assert abs(silhouette_score(model.background_embedding(target), labels)) < 0.1
    assert history.history["val_target_elbo"][-1] > history.history["val_target_elbo"][0]


def test_separation_report_uses_the_model_outputs():
    from tfvae import metrics

    model = tiny_contrastive()
    truth = np.clip(TARGET[:40] - 0.1, 0, 1)
    report = metrics.separation_report(model, TARGET[:40], LABELS[:40], truth, TARGET[:40] - truth, prefix="test_")
    assert set(report) == {"test_salient_active_units", "test_background_active_units", "test_salient_silhouette",
                           "test_background_silhouette", "test_salient_ari", "test_salient_nmi", "test_background_mse",
                           "test_background_layer_mse", "test_foreground_correlation"}
    parts = model.separate(TARGET[:40])
    np.testing.assert_allclose(report["test_background_mse"], metrics.mse(parts["background"], truth))
    # The layer's error is the foreground's: x - foreground - truth = (x - truth) - foreground.
    np.testing.assert_allclose(report["test_background_layer_mse"], metrics.mse(parts["foreground"], TARGET[:40] - truth),
                               rtol=1e-5)
    np.testing.assert_allclose(report["test_salient_silhouette"],
                               metrics.silhouette(model.salient_embedding(TARGET[:40]), LABELS[:40]))
    assert report["test_background_active_units"] == metrics.active_units(model.background_embedding(TARGET[:40]))


def test_every_term_trains_under_xla():
    pairs = {"target": TARGET[:96].reshape(96, -1), "background": BACKGROUND[:96].reshape(96, -1)}
    model = ContrastiveVAE(
        (64,), 2, 3, likelihood=LowRankNormal((64,), 2, start=3), network_kwargs={"hidden_units": (16,)},
        regularizers=[regularizers.Wasserstein(0.5), regularizers.BackgroundMMD(1.0), regularizers.SalientMMD(1.0),
                      regularizers.TotalCorrelation(1.0), regularizers.BackgroundSwapInvariance(Ramp(1.0, start=3))],
        beta=Ramp(1.0, duration=4), validate_inputs=False, seed=0)
    model.compile(keras.optimizers.Adam(1e-2), jit_compile=True)
    history = model.fit(tf.data.Dataset.from_tensor_slices(pairs).batch(16), epochs=3, verbose=0).history
    assert model.jit_compile is True
    assert np.all(np.isfinite(history["loss"])) and history["loss"][-1] < history["loss"][0]
    assert {"invariance", "mmd_background", "mmd_salient", "wasserstein", "tc", "tc_discriminator_loss"} <= set(history)


@pytest.mark.parametrize("decoder, likelihood", [("additive", "normal_low_rank"), ("joint", "normal_global"),
                                                 ("layered", "bernoulli"), ("layered", "normal")])
def test_the_background_shortcut_equals_decoding_at_s_zero(decoder, likelihood):
    # Background examples and the swap penalty decode at s = 0 through the decoder's
    # shortcut (the salient part on one row of zeros, or no foreground pass): the same
    # likelihood and the same gradients as the decoder on [0, z].
    model = ContrastiveVAE((8, 8, 1), 2, 3, decoder=decoder, likelihood=likelihood, architecture="mlp",
                           network_kwargs={"hidden_units": (16,)}, seed=0)
    z = tf.random.stateless_normal((5, 3), seed=[1, 2])
    x = tf.random.stateless_uniform((5, 8, 8, 1), seed=[3, 4])
    with tf.GradientTape(persistent=True) as tape:
        full = model.decode(tf.zeros((5, 2)), z).log_prob(x)
        shortcut = model._decode_background(z).log_prob(x)
    np.testing.assert_allclose(shortcut, full, rtol=1e-5, atol=1e-4)
    variables = model.decoder.trainable_variables
    for a, b in zip(tape.gradient(full, variables), tape.gradient(shortcut, variables)):
        if a is None or b is None:
            assert a is None or float(tf.reduce_max(tf.abs(a))) == 0.0
            assert b is None or float(tf.reduce_max(tf.abs(b))) == 0.0
        else:
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
