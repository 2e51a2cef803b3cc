"""ContrastiveVAE: objective structure, regularizers, TC optimizer, separation, learning."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_model_config_round_trip
from sklearn.metrics import silhouette_score

import pipelines
from tfvae import ContrastiveVAE
from tfvae.layers import LowRankNormal, Normal
from tfvae.models import elbo as elbo_lib
from tfvae.models import regularizers


def _toy_data(n=256, seed=0):
    """Targets: 8x8 digits 0/1 scaled by 0.5 over noise backgrounds; backgrounds: noise alone."""
    x, y = pipelines.digits_8x8("all")
    keep = y < 2
    digits, labels = x[keep][:n], y[keep][:n]
    rng = np.random.default_rng(seed)
    noise = lambda m: (rng.uniform(0, 0.5, size=(m, 8, 8, 1)) * rng.uniform(0.2, 1.0, size=(m, 1, 1, 1))).astype("float32")
    target = np.clip(noise(len(digits)) + 0.5 * digits, 0, 1).astype("float32")
    return target, noise(len(digits)), labels


TARGET, BACKGROUND, LABELS = _toy_data()
BATCH = {"target": tf.constant(TARGET[:16]), "background": tf.constant(BACKGROUND[:12])}


def _group_gradients(model, variable, seed, term="reconstruction"):
    """Largest |gradient| of `variable` from the target and from the background
    examples' mean `term` (`"reconstruction"` or `"elbo"`); 0.0 for none."""
    with tf.GradientTape(persistent=True) as tape:
        target, _, _ = model._target_terms(BATCH["target"], seed, training=True)
        background, _ = model._background_terms(BATCH["background"], seed, training=True)
        losses = (-tf.reduce_mean(target[f"target_{term}"]), -tf.reduce_mean(background[f"background_{term}"]))
    grads = [tape.gradient(loss, variable) for loss in losses]
    return [0.0 if g is None else float(tf.reduce_max(tf.abs(g))) for g in grads]


def _model(**kwargs):
    kwargs.setdefault("network_kwargs", {"hidden_units": (32,)})
    kwargs.setdefault("likelihood", "continuous_bernoulli")
    return ContrastiveVAE((8, 8, 1), 2, 2, seed=0, **kwargs)


def test_background_examples_have_no_salient_kl_and_decode_with_s_zero():
    model = _model()
    seed = tf.constant([3, 0])
    terms, _ = model._background_terms(BATCH["background"], seed, training=False)
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
    grads = tape.gradient(loss, model.salient_encoder.trainable_variables)
    assert all(g is None for g in grads)


def test_target_elbo_uses_both_latents():
    model = _model()
    terms = model._loss_terms(BATCH, training=False)
    np.testing.assert_allclose(
        terms["target_elbo"], terms["target_reconstruction"] - terms["target_kl_salient"] - terms["target_kl_background"], rtol=1e-5
    )
    assert np.all(terms["target_kl_salient"].numpy() > 0)
    expected_loss = -np.mean(terms["target_elbo"]) - np.mean(terms["background_elbo"])
    np.testing.assert_allclose(terms["loss"], expected_loss, rtol=1e-5)


def test_separate_is_consistent_with_decode():
    model = _model()
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


def test_residual_texture_adds_the_fitted_texture_to_the_background_and_keeps_the_foreground(tmp_path):
    model = _model(decoder="additive")
    model.compile("adam")
    model.fit(tf.data.Dataset.from_tensors(BATCH).repeat(3), epochs=1, verbose=0)
    plain = model.separate(TARGET[:40])
    textured = model.with_residual_texture(4)
    before = textured.separate(TARGET[:40])  # same weights, texture not fitted yet: no change
    for key in plain:
        np.testing.assert_allclose(before[key], plain[key], rtol=1e-5, atol=1e-6)
    # Fitted to background examples' residuals x_b - E[x | s = 0, z].
    untextured = model.separate(BACKGROUND)["background"]
    noise = textured.fit_residual_texture(BACKGROUND)
    assert 0 < noise < np.var(BACKGROUND - untextured)
    out = textured.separate(TARGET[:40])
    np.testing.assert_allclose(out["foreground"], plain["foreground"], atol=1e-6)  # the foreground is unchanged
    texture = textured.residual_texture(tf.constant(TARGET[:40] - plain["reconstruction"])).numpy()
    assert np.abs(texture).max() > 1e-3
    np.testing.assert_allclose(out["background"], plain["background"] + texture, atol=1e-5)
    np.testing.assert_allclose(out["reconstruction"], plain["reconstruction"] + texture, atol=1e-5)
    # On the background examples it was fitted to, the texture lowers the error.
    fitted = textured.separate(BACKGROUND)["background"]
    assert np.mean((fitted - BACKGROUND) ** 2) < 0.9 * np.mean((untextured - BACKGROUND) ** 2)
    # The fitted texture is saved with the model; the embeddings and the ELBO do not use it.
    textured.save(tmp_path / "t.keras")
    loaded = keras.models.load_model(tmp_path / "t.keras")
    np.testing.assert_allclose(loaded.separate(TARGET[:40])["background"], out["background"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(textured.salient_embedding(TARGET[:40]), model.salient_embedding(TARGET[:40]), rtol=1e-5)
    np.testing.assert_allclose(textured.elbo(TARGET[:8], seed=1), model.elbo(TARGET[:8], seed=1), rtol=1e-5)
    assert loaded.residual_texture.components == 4 and model.residual_texture is None
    with pytest.raises(ValueError, match="needs a model built with residual_components > 0"):
        model.fit_residual_texture(BACKGROUND)
    with pytest.raises(ValueError, match="residual_components must be >= 0"):
        _model(residual_components=-1)


def test_low_rank_likelihood_learns_from_background_examples_only_and_adds_its_noise_mean_to_the_background(tmp_path):
    likelihood = LowRankNormal((8, 8, 1), 3, factor_stddev=0.05)
    model = _model(decoder="additive", likelihood=likelihood, background_basis_start=2)
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
    assert assert_model_config_round_trip(model, TARGET[:4]).likelihood.rank == 3
    model.save(tmp_path / "low_rank.keras")
    loaded = keras.models.load_model(tmp_path / "low_rank.keras")
    np.testing.assert_allclose(loaded.separate(x)["background"], out["background"], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="0 with a LowRankNormal likelihood"):
        _model(likelihood=LowRankNormal((8, 8, 1), 3), residual_components=2)


@pytest.mark.parametrize("name, weight", [("mmd", 3.0), ("wasserstein", 2.0), ("tc", 5.0), ("invariance", 4.0)])
def test_each_regularizer_changes_the_loss_and_vanishes_at_weight_zero(name, weight):
    plain = _model()
    regularized = _model(**{f"{name}_weight": weight})
    off = _model(**{f"{name}_weight": 0.0})
    # Same VAE weights in all three (the discriminator, if any, is extra).
    for other in (regularized, off):
        for a, b in zip(
            (plain.salient_encoder, plain.background_encoder, plain.decoder),
            (other.salient_encoder, other.background_encoder, other.decoder),
        ):
            b.set_weights(a.get_weights())
    base = plain._loss_terms(BATCH, training=False)
    terms = regularized._loss_terms(BATCH, training=False)
    np.testing.assert_allclose(off._loss_terms(BATCH, training=False)["loss"], base["loss"], rtol=1e-6)
    assert name not in base and abs(float(terms[name])) > 1e-4
    np.testing.assert_allclose(terms["loss"] - base["loss"], weight * terms[name], rtol=1e-4, atol=1e-5)


def test_tc_discriminator_optimizer_updates_only_the_discriminator():
    model = _model(tc_weight=1.0)
    model.compile(keras.optimizers.Adam(1e-3))
    vae_before = [w.copy() for w in model.decoder.get_weights()]
    disc_before = [w.copy() for w in model.discriminator.get_weights()]
    terms = model._loss_terms(BATCH, training=True)
    model._auxiliary_step(terms)
    assert all(np.array_equal(a, b) for a, b in zip(vae_before, model.decoder.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(disc_before, model.discriminator.get_weights()))
    assert not {id(v) for v in model.discriminator.trainable_variables} & {id(v) for v in model._trainable_for_loss()}
    # A full fit step: the VAE moves through the main optimizer, the discriminator through its own.
    model.fit(tf.data.Dataset.from_tensors(BATCH), epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 1 and int(model.tc_optimizer.iterations) == 2
    assert not all(np.array_equal(a, b) for a, b in zip(vae_before, model.decoder.get_weights()))


@pytest.mark.parametrize("decoder, linear_skip", [("joint", ("decoder",)), ("additive", ("background_decoder",))])
def test_contrastive_model_round_trips_and_saves(tmp_path, decoder, linear_skip):
    model = _model(tc_weight=1.0, mmd_weight=2.0, wasserstein_weight=0.5, invariance_weight=3.0, invariance_relative=True,
                   invariance_swap="reconstruction", invariance_swap_start=7, invariance_temperature=0.5, posterior="full", decoder=decoder, linear_skip=linear_skip, background_basis=decoder == "additive")
    clone = assert_model_config_round_trip(model, TARGET[:4])
    assert (clone.tc_weight, clone.mmd_weight, clone.wasserstein_weight, clone.invariance_weight) == (1.0, 2.0, 0.5, 3.0)
    assert clone.invariance_relative and (clone.invariance_swap, clone.invariance_swap_start) == ("reconstruction", 7)
    assert clone.invariance_temperature == 0.5
    assert clone.decoder_kind == decoder and clone.linear_skip == linear_skip
    assert (clone.background_basis is not None) == (decoder == "additive")
    model.compile("adam")
    model.fit(tf.data.Dataset.from_tensors(BATCH), epochs=1, verbose=0)
    model.save(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras")
    np.testing.assert_allclose(loaded.elbo(TARGET[:6], seed=2), model.elbo(TARGET[:6], seed=2), rtol=1e-6)
    assert int(loaded.tc_optimizer.iterations) == 1


def test_additive_decoder_adds_a_foreground_that_does_not_depend_on_z():
    s, z = tf.random.normal((6, 2), seed=1), tf.random.normal((6, 2), seed=2)
    other_z = tf.random.normal((6, 2), seed=3)
    logits = lambda model, s, z: model.decoder(tf.concat([s, z], -1))  # likelihood parameters
    additive = _model(decoder="additive")
    change = logits(additive, s, z) - logits(additive, tf.zeros_like(s), z)
    np.testing.assert_allclose(change, logits(additive, s, other_z) - logits(additive, tf.zeros_like(s), other_z), atol=1e-5)
    np.testing.assert_allclose(change, additive.decoder.first(s) - additive.decoder.first(tf.zeros_like(s)), atol=1e-5)
    assert {"salient_decoder", "background_decoder"} == {additive.decoder.first.name, additive.decoder.second.name}
    joint = _model()  # a joint decoder lets z shape the foreground
    change = logits(joint, s, z) - logits(joint, tf.zeros_like(s), z)
    assert np.abs(change - (logits(joint, s, other_z) - logits(joint, tf.zeros_like(s), other_z))).max() > 1e-3
    with pytest.raises(ValueError, match="decoder must be one of"):
        _model(decoder="sum")


def test_contrastive_batches_are_checked():
    model = _model()
    model.compile("adam")
    with pytest.raises(ValueError, match="keys 'target' and 'background'"):
        model.fit(TARGET[:8], epochs=1, verbose=0)
    bad = {"target": TARGET[:8], "background": BACKGROUND[:8] + 2.0}
    with pytest.raises(ValueError, match="background has values outside the support"):
        model.fit(tf.data.Dataset.from_tensors(bad), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="salient_dim"):
        ContrastiveVAE((8, 8, 1), 0, 2)
    with pytest.raises(ValueError, match="invariance_weight must be >= 0"):
        _model(invariance_weight=-1.0)
    with pytest.raises(ValueError, match="invariance_swap must be one of"):
        _model(invariance_weight=1.0, invariance_swap="crop")
    with pytest.raises(ValueError, match="invariance_swap_start must be >= 0 and needs"):
        _model(invariance_weight=1.0, invariance_swap_start=3)
    with pytest.raises(ValueError, match="invariance_temperature must be >= 0"):
        _model(invariance_weight=1.0, invariance_temperature=-0.1)


@pytest.mark.parametrize("relative, swap, start, temperature", [(False, "target", 0, 0.0), (True, "target", 0, 0.0),
                                                                 (True, "reconstruction", 0, 0.0), (True, "reconstruction", 5, 0.0),
                                                                 (True, "target", 0, 0.5)])
def test_invariance_penalty_is_the_salient_move_under_the_model_swap(relative, swap, start, temperature):
    """Target i lies on background i mod B_b after its decoded background is removed;
    `invariance_swap="reconstruction"` lays the decoded foreground alone on it, from
    step `invariance_swap_start` on; a temperature scores the swapped means by InfoNCE."""
    model = _model(invariance_weight=1.0, invariance_relative=relative, invariance_swap=swap, invariance_swap_start=start,
                   invariance_temperature=temperature, decoder="additive")
    model.compile("adam")  # step 0
    terms = model._loss_terms(BATCH, training=False)
    target, background = BATCH["target"].numpy(), BATCH["background"].numpy()
    paired = background[np.arange(16) % 12]  # 16 targets, 12 backgrounds
    parts = model.separate(target)
    source = target if swap == "target" or start > 0 else parts["reconstruction"]
    swapped = source - parts["background"] + paired
    # The swap may leave the likelihood's support (here [0, 1]): the encoder takes it unchecked.
    means = model.salient_embedding(target)
    swapped_means = model._posteriors(tf.constant(swapped))[0].mean().numpy()
    move = means - swapped_means
    # Relative: divided by the spread of the 16 targets' salient means (plus the floor 1e-4).
    scale = np.mean(((means - means.mean(0)) ** 2).sum(1)) + 1e-4 if relative else 1.0
    if temperature:  # the 16 targets' swapped means are each other's negatives
        expected = np.mean(regularizers.swap_contrast(means, swapped_means, scale, temperature))
    else:
        expected = np.mean((move**2).sum(1)) / scale
    np.testing.assert_allclose(terms["invariance"], expected, rtol=1e-4)
    # Gradients reach the salient encoder only: the decoded background is held fixed.
    with tf.GradientTape(persistent=True) as tape:
        penalty = model._loss_terms(BATCH, training=True)["invariance"]
    assert all(g is None for g in tape.gradient(penalty, model.decoder.trainable_variables + model.background_encoder.trainable_variables))
    assert all(g is not None for g in tape.gradient(penalty, model.salient_encoder.trainable_variables))
    if start:  # from the start step on, the reconstruction is swapped
        model.optimizer.iterations.assign(start)
        swapped = parts["reconstruction"] - parts["background"] + paired
        move = means - model._posteriors(tf.constant(swapped))[0].mean().numpy()
        np.testing.assert_allclose(model._loss_terms(BATCH, training=False)["invariance"], np.mean((move**2).sum(1)) / scale,
                                   rtol=1e-4)


def test_training_raises_salient_silhouette_without_background_leakage():
    """The contrastive-PCA synthetic data: 4 subgroups exist only in the target."""
    keras.utils.set_random_seed(0)
    data = pipelines.synthetic_subgroups(num_per_group=100, num_background=400, seed=0)
    target, labels = data.target["x"], data.target["label"]
    model = ContrastiveVAE((30,), 2, 12, likelihood=Normal((30,), scale="per_dimension"), network_kwargs={"hidden_units": (32,)}, seed=0)
    before = silhouette_score(model.salient_embedding(target), labels)
    pairs = pipelines.contrastive_pairs(data.target, data.background, seed=0).batch(32)
    model.compile(keras.optimizers.Adam(1e-2))
    history = model.fit(pairs, epochs=16, validation_data=pairs, verbose=0)
    after = silhouette_score(model.salient_embedding(target), labels)
    # Measured: -0.08 untrained, about 0.7 after 16 epochs; background embedding about 0.
    assert after > before + 0.3 and after > 0.4, (before, after)
    assert abs(silhouette_score(model.background_embedding(target), labels)) < 0.1
    assert history.history["val_target_elbo"][-1] > history.history["val_target_elbo"][0]


def test_separation_report_uses_the_model_outputs():
    from tfvae import metrics

    model = _model()
    truth = np.clip(TARGET[:40] - 0.1, 0, 1)
    report = metrics.separation_report(model, TARGET[:40], LABELS[:40], truth, TARGET[:40] - truth, prefix="test_")
    assert set(report) == {
        "test_salient_active_units",
        "test_background_active_units",
        "test_salient_silhouette",
        "test_background_silhouette",
        "test_salient_ari",
        "test_salient_nmi",
        "test_background_mse",
        "test_background_layer_mse",
        "test_foreground_correlation",
    }
    parts = model.separate(TARGET[:40])
    np.testing.assert_allclose(report["test_background_mse"], metrics.mse(parts["background"], truth))
    # The layer's error is the foreground's: x - foreground - truth = (x - truth) - foreground.
    np.testing.assert_allclose(report["test_background_layer_mse"], metrics.mse(parts["foreground"], TARGET[:40] - truth), rtol=1e-5)
    np.testing.assert_allclose(report["test_salient_silhouette"], metrics.silhouette(model.salient_embedding(TARGET[:40]), LABELS[:40]))
    assert report["test_background_active_units"] == metrics.active_units(model.background_embedding(TARGET[:40]))


def test_a_collapsed_salient_space_has_no_active_units_and_is_warned_of(capsys):
    from tfvae import metrics
    from tfvae.cli import report

    model = _model()
    assert metrics.separation_report(model, TARGET[:40])["salient_active_units"] == 2  # untrained: both vary
    # Zero the salient encoder's output kernel: every input gets the same posterior
    # (means = bias), the collapse MMD at weight 10 produced on mnist_on_grass.
    last = model.salient_encoder.layers[-1]
    kernel, bias = last.get_weights()
    last.set_weights([np.zeros_like(kernel), bias])
    collapsed = metrics.separation_report(model, TARGET[:40], prefix="test_")
    assert collapsed["test_salient_active_units"] == 0
    assert "collapsed" in report.collapse_warnings(collapsed)[0]
    report.print_results(collapsed)  # what tfvae train and evaluate print
    printed = capsys.readouterr()
    assert '"test_salient_active_units": 0' in printed.out
    # Other libraries may log to stderr too: look for the warning's own line.
    assert any(line.startswith("warning: no salient dimension") for line in printed.err.splitlines())
    assert report.collapse_warnings({"test_salient_active_units": 1}) == []
    assert report.collapse_warnings({"test_salient_active_units": 2}, salient_dim=2) == []
    # A partial collapse, e.g. the invariance weight 30 run on 0/1 that kept 1 of 2 units.
    partial = report.collapse_warnings({"test_salient_active_units": 1}, salient_dim=2)
    assert len(partial) == 1 and partial[0].startswith("only 1 of 2 salient dimensions are in use")
    assert report.collapse_warnings({"test_latent_silhouette": 0.5}) == []  # a VAE's report
    # The background: the low-rank likelihood's 0/1 seed-1 run kept 3 of 16 in use.
    emptied = report.collapse_warnings({"test_salient_active_units": 2, "test_background_active_units": 3}, 2, 16)
    assert len(emptied) == 1 and emptied[0].startswith("only 3 of 16 background dimensions are in use")
    assert report.collapse_warnings({"test_background_active_units": 16}, 2, 16) == []
    # Leakage: the predicted-scale run that lost its salient space (0.056 / 0.089)
    # warns; a healthy 0/1 run (0.42 / 0.01) and all ten (-0.009 / -0.024) do not.
    leaked = report.collapse_warnings({"test_salient_active_units": 2, "test_salient_silhouette": 0.056,
                                       "test_background_silhouette": 0.089})
    assert len(leaked) == 1 and "cluster better in the background latents (silhouette 0.089)" in leaked[0]
    for salient, background in ((0.42, 0.01), (-0.009, -0.024), (-0.02, 0.04)):
        assert report.collapse_warnings({"test_salient_silhouette": salient, "test_background_silhouette": background}) == []


def test_mixture_prior_gives_the_salient_kl_by_monte_carlo_and_learns():
    model = _model(salient_components=3, decoder="additive")
    prior = model.salient_prior
    s = tf.random.normal((5, 2), seed=4)
    loc, scale = model.salient_mixture.loc.numpy(), 1e-3 + np.exp(model.salient_mixture.log_scale.numpy())
    per_component = -0.5 * (((s.numpy()[:, None] - loc) / scale) ** 2 + np.log(2 * np.pi * scale**2)).sum(-1)  # (5, 3)
    np.testing.assert_allclose(prior.log_prob(s), np.log(np.exp(per_component).mean(1)), rtol=1e-5)
    # The salient KL is mean_s[log q(s|x) - log p(s)] on the model's own samples.
    seed = tf.constant([5, 1])
    terms, (s_t, _), _ = model._target_terms(BATCH["target"], seed, training=False)
    q_s, _ = model._posteriors(BATCH["target"])
    np.testing.assert_allclose(terms["target_kl_salient"], q_s.log_prob(s_t) - prior.log_prob(s_t), rtol=1e-4, atol=1e-4)
    # The prior's means and scales are trained with the VAE.
    with tf.GradientTape() as tape:
        loss = model._loss_terms(BATCH, training=True)["loss"]
    grads = tape.gradient(loss, model.salient_mixture.trainable_variables)
    assert len(grads) == 2 and all(g is not None and np.abs(g).max() > 0 for g in grads)
    assert {id(v) for v in model.salient_mixture.trainable_variables} <= {id(v) for v in model._trainable_for_loss()}
    clone = assert_model_config_round_trip(model, TARGET[:4])
    assert clone.salient_components == 3
    with pytest.raises(ValueError, match="salient_components"):
        _model(salient_components=0)


def test_cluster_term_adds_minus_the_information_moves_only_the_salient_means():
    from tfvae.callbacks import fit_mixture_prior

    clustered = _model(salient_components=3, decoder="additive", cluster_weight=2.0)
    plain = _model(salient_components=3, decoder="additive")
    plain.set_weights(clustered.get_weights())
    # Components where the targets are, so that the assignments are not all one.
    fit_mixture_prior(clustered, TARGET[:64], seed=0)
    plain.salient_mixture.set_weights(clustered.salient_mixture.get_weights())
    # One call each: every call draws the next noise seed.
    terms, base = clustered._loss_terms(BATCH, training=False), plain._loss_terms(BATCH, training=False)
    q_s, _ = clustered._posteriors(BATCH["target"])
    expected = regularizers.negative_cluster_information(
        regularizers.component_log_responsibilities(q_s.mean(), clustered.salient_prior))
    np.testing.assert_allclose(terms["cluster"], expected, rtol=1e-5)
    assert float(terms["cluster"]) < -1e-3 and "cluster" not in base
    np.testing.assert_allclose(terms["loss"] - base["loss"],
                               2.0 * terms["cluster"], rtol=1e-4, atol=1e-4)
    # The term trains the salient encoder; the prior is fitted by the KL alone.
    with tf.GradientTape() as tape:
        value = clustered._loss_terms(BATCH, training=True)["cluster"]
    grads = tape.gradient(value, clustered.salient_encoder.trainable_variables + clustered.salient_mixture.trainable_variables)
    encoder_grads = grads[: len(clustered.salient_encoder.trainable_variables)]
    assert any(g is not None and np.abs(g).max() > 0 for g in encoder_grads)
    assert all(g is None for g in grads[len(encoder_grads):])
    assert assert_model_config_round_trip(clustered, TARGET[:4]).cluster_weight == 2.0
    with pytest.raises(ValueError, match="salient_components >= 2"):
        _model(cluster_weight=1.0)
    with pytest.raises(ValueError, match="cluster_weight must be >= 0"):
        _model(salient_components=3, cluster_weight=-1.0)


def test_fitted_mixture_prior_puts_components_on_the_salient_means():
    from sklearn.metrics import adjusted_rand_score

    from tfvae.callbacks import MixturePriorFit, fit_mixture_prior

    model = _model(salient_components=2, decoder="additive")
    means = model.salient_embedding(TARGET[:200])
    before = regularizers.component_log_responsibilities(means, model.salient_prior).numpy().argmax(1)
    gm = fit_mixture_prior(model, TARGET[:200], seed=1)
    components = model.salient_prior.components_distribution
    np.testing.assert_allclose(components.loc.numpy(), gm.means_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(components.stddev().numpy(), np.sqrt(gm.covariances_), rtol=1e-4, atol=1e-6)
    # The prior's assignments are now the fitted mixture's, with its weights made equal.
    after = np.exp(regularizers.component_log_responsibilities(means, model.salient_prior).numpy())
    gm.weights_ = np.full(2, 0.5)
    np.testing.assert_allclose(after, gm.predict_proba(means), atol=1e-4)
    assert len(np.unique(after.argmax(1))) == 2 and adjusted_rand_score(before, after.argmax(1)) < 0.9
    # The callback fits at the start of its epoch only.
    callback = MixturePriorFit(TARGET[:200], epoch=1, seed=1)
    callback.set_model(model)
    model.salient_mixture.loc.assign(np.zeros((2, 2), "float32"))
    callback.on_epoch_begin(0)
    np.testing.assert_allclose(model.salient_mixture.loc.numpy(), 0.0)
    callback.on_epoch_begin(1)
    np.testing.assert_allclose(model.salient_mixture.loc.numpy(), gm.means_, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="salient_components > 1"):
        fit_mixture_prior(_model(), TARGET[:8])
    with pytest.raises(ValueError, match="at least 2 examples"):
        fit_mixture_prior(model, TARGET[:1])
    with pytest.raises(ValueError, match="epoch >= 0"):
        MixturePriorFit(TARGET[:8], epoch=-1)
    with pytest.raises(ValueError, match="shape"):
        model.salient_mixture.set_components(np.zeros((3, 2)), np.ones((2, 2)))


def test_linear_skip_goes_to_the_named_networks_only():
    model = _model(decoder="additive", linear_skip=("background_decoder", "salient_encoder"))
    has_skip = lambda network: "linear_skip" in [layer.name for layer in network.layers]
    assert has_skip(model.decoder.second) and has_skip(model.salient_encoder)
    assert not has_skip(model.decoder.first) and not has_skip(model.background_encoder)
    everywhere = _model(decoder="additive", network_kwargs={"hidden_units": (32,), "linear_skip": True})
    assert all(has_skip(n) for n in (everywhere.salient_encoder, everywhere.background_encoder,
                                     everywhere.decoder.first, everywhere.decoder.second))
    with pytest.raises(ValueError, match="name no network of decoder='joint'"):
        _model(decoder="joint", linear_skip=("background_decoder",))


def test_background_basis_adds_z_v_and_learns_from_background_examples_only():
    model = _model(decoder="additive", background_basis=True)
    basis = model.background_basis.basis
    basis.assign(np.random.default_rng(0).normal(size=basis.shape).astype("float32"))
    s, z = np.zeros((3, 2), "float32"), np.random.default_rng(1).normal(size=(3, 2)).astype("float32")
    params = model.decoder(np.concatenate([s, z], -1)) + z @ basis.numpy()
    np.testing.assert_allclose(model.decode(s, z).mean(), model.likelihood(params).mean(), rtol=1e-5, atol=1e-6)
    seed = tf.constant([1, 0])
    from_targets, from_background = _group_gradients(model, basis, seed)
    assert from_targets == 0.0 and from_background > 0
    assert _group_gradients(model, model.background_encoder.trainable_variables[0], seed)[0] > 0  # z still learns from targets


def test_background_basis_start_leaves_the_basis_out_until_its_step():
    model = _model(decoder="additive", background_basis=True, background_basis_start=3)
    model.compile(keras.optimizers.Adam(1e-3))
    basis = model.background_basis.basis

    def basis_gradient():
        with tf.GradientTape() as tape:
            background, _ = model._background_terms(BATCH["background"], tf.constant([1, 0]), training=True)
            loss = -tf.reduce_mean(background["background_reconstruction"])
        gradient = tape.gradient(loss, basis)
        return 0.0 if gradient is None else float(tf.reduce_max(tf.abs(gradient)))

    # Before step 3 V learns nothing, so it stays at zero and z V adds nothing.
    assert basis_gradient() == 0.0
    model.optimizer.iterations.assign(3)
    assert basis_gradient() > 0
    # The forward pass is z V at any step.
    basis.assign(np.random.default_rng(0).normal(size=basis.shape).astype("float32"))
    s, z = np.zeros((3, 2), "float32"), np.random.default_rng(1).normal(size=(3, 2)).astype("float32")
    with_basis = model.likelihood(model.decoder(np.concatenate([s, z], -1)) + z @ basis.numpy()).mean()
    for step in (0, 3):
        model.optimizer.iterations.assign(step)
        np.testing.assert_allclose(model.decode(s, z).mean(), with_basis, rtol=1e-5, atol=1e-6)
    assert assert_model_config_round_trip(model, TARGET[:4]).background_basis_start == 3
    for wrong in (dict(background_basis_start=3), dict(background_basis=True, background_basis_start=-1)):
        with pytest.raises(ValueError, match="background_basis_start must be >= 0 and needs background_basis, background_encoder_basis or"):
            _model(decoder="additive", **wrong)


def test_every_term_trains_under_xla():
    pairs = {"target": TARGET[:96].reshape(96, -1), "background": BACKGROUND[:96].reshape(96, -1)}
    model = ContrastiveVAE(
        (64,), 2, 3, likelihood=LowRankNormal((64,), 2), network_kwargs={"hidden_units": (16,)}, decoder="additive",
        wasserstein_weight=0.5, mmd_weight=1.0, tc_weight=1.0, invariance_weight=1.0, invariance_relative=True,
        salient_components=3, cluster_weight=1.0, background_basis=True, background_encoder_basis=True,
        background_basis_start=3, invariance_swap="reconstruction", invariance_swap_start=3, invariance_temperature=0.5,
        validate_inputs=False, seed=0,
    )
    model.compile(keras.optimizers.Adam(1e-2), jit_compile=True)
    history = model.fit(tf.data.Dataset.from_tensor_slices(pairs).batch(16), epochs=3, verbose=0).history
    assert model.jit_compile is True
    assert np.all(np.isfinite(history["loss"])) and history["loss"][-1] < history["loss"][0]
    assert {"cluster", "invariance", "mmd", "wasserstein", "tc", "tc_discriminator_loss"} <= set(history)


def test_background_encoder_basis_adds_x_u_and_learns_from_both_groups_after_its_step():
    model = _model(decoder="additive", background_encoder_basis=True, background_basis_start=2)
    model.compile(keras.optimizers.Adam(1e-3))
    basis = model.background_encoder_basis.basis
    assert basis.shape == (64, model.background_posterior.params_size())
    seed = tf.constant([2, 0])
    assert _group_gradients(model, basis, seed, "elbo") == [0.0, 0.0]  # before step 2
    model.optimizer.iterations.assign(2)
    assert all(g > 0 for g in _group_gradients(model, basis, seed, "elbo"))  # both groups train U
    basis.assign(np.random.default_rng(0).normal(scale=0.1, size=basis.shape).astype("float32"))
    x = BATCH["target"][:3]
    expected = model.background_posterior(model.background_encoder(x) + tf.reshape(x, (3, -1)) @ basis)
    np.testing.assert_allclose(model.encode(x)[1].mean(), expected.mean(), rtol=1e-5, atol=1e-6)
    assert assert_model_config_round_trip(model, TARGET[:4]).background_encoder_basis is not None
