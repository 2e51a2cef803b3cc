"""tfvae.callbacks: TensorBoard summaries of VAE and ContrastiveVAE runs, the projector
export, per-dimension KL and the scheduled weights."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from helpers import read_summaries as _read
from tensorboard.plugins import projector

import pipelines
from tfvae import VAE, ContrastiveVAE, callbacks, metrics, regularizers
from tfvae.schedules import Ramp

X, Y = pipelines.digits_8x8("train")
SMALL = {"hidden_units": (16,)}


def _tags(run, plugin):
    return {tag for tag, (name, _) in run.items() if name == plugin}


def _image_size(run, tag, step):
    """(height, width) of an image summary: TF2 stores [width, height, png]."""
    width, height = run[tag][1][step][:2]
    return int(height), int(width)


def test_vae_run_logs_loss_terms_learning_rate_kl_weight_latents_and_images(tmp_path):
    keras.utils.set_random_seed(0)
    model = VAE((8, 8, 1), 2, network_kwargs=SMALL, seed=0)
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=2, decay_rate=0.5)
    model.compile(keras.optimizers.Adam(schedule))
    model.fit(X[:32], validation_data=(X[32:48],), epochs=2, batch_size=16, verbose=0,
              callbacks=callbacks.standard_callbacks(model, tmp_path, X[:16], Y[:16]))

    train = _read(tmp_path / "train")
    assert {"epoch_loss", "epoch_elbo", "epoch_reconstruction", "epoch_kl", "epoch_learning_rate"} <= _tags(train, "scalars")
    # Keras logs the schedule at optimizer.iterations: 2 steps per epoch.
    np.testing.assert_allclose([train["epoch_learning_rate"][1][e] for e in (0, 1)], [5e-3, 2.5e-3], rtol=1e-6)
    assert {"epoch_elbo", "epoch_kl"} <= _tags(_read(tmp_path / "validation"), "scalars")
    assert _read(tmp_path / "schedule")["kl_weight"][1] == {0: 1.0, 1: 1.0}

    latents = _read(tmp_path / "latents")
    assert {"posterior_mean/z", "posterior_stddev/z"} <= _tags(latents, "histograms")
    assert {"kl/z/dim_0", "kl/z/dim_1", "active_dims/z", "active_units/z"} <= _tags(latents, "scalars")
    assert set(latents["kl/z/dim_0"][1]) == {0, 1}

    images = _read(tmp_path / "images")
    assert _tags(images, "images") == {"reconstruction", "samples", "traversal"}
    assert _image_size(images, "reconstruction", 1) == (2 * 9 - 1, 8 * 9 - 1)  # inputs over reconstructions
    assert _image_size(images, "traversal", 1) == (2 * 9 - 1, 7 * 9 - 1)  # a row per latent dimension
    assert _image_size(images, "samples", 1) == (2 * 9 - 1, 8 * 9 - 1)  # 16 prior samples in rows of 8


def test_contrastive_run_logs_separation_traversal_and_exports_salient_projector(tmp_path):
    rng = np.random.default_rng(0)
    target, background = rng.uniform(size=(2, 32, 8, 8, 1)).astype("float32")
    labels = np.arange(16) % 3
    model = ContrastiveVAE((8, 8, 1), 2, 3, architecture="mlp", network_kwargs=SMALL, seed=0)
    model.compile("adam")
    model.fit({"target": target, "background": background}, epochs=2, batch_size=16, verbose=0,
              callbacks=callbacks.standard_callbacks(model, tmp_path, target[:16], labels))

    assert {"epoch_target_elbo", "epoch_background_kl", "epoch_learning_rate"} <= _tags(_read(tmp_path / "train"), "scalars")
    images = _read(tmp_path / "images")
    assert _tags(images, "images") == {"reconstruction", "samples", "separation", "traversal"}
    assert _image_size(images, "separation", 0) == (4 * 9 - 1, 8 * 9 - 1)  # target/reconstruction/background/foreground
    assert _image_size(images, "traversal", 0) == (2 * 9 - 1, 7 * 9 - 1)  # the 2 salient dimensions
    latents = _read(tmp_path / "latents")
    assert {f"kl/salient/dim_{d}" for d in range(2)} | {f"kl/background/dim_{d}" for d in range(3)} <= _tags(latents, "scalars")
    assert {"active_dims/salient", "active_dims/background"} <= _tags(latents, "scalars")
    assert {"posterior_mean/salient", "posterior_stddev/background"} <= _tags(latents, "histograms")

    run = tmp_path / "projector"
    assert (run / "metadata.tsv").read_text().splitlines() == [str(label) for label in labels]
    config = text_format.Parse((run / "projector_config.pbtxt").read_text(), projector.ProjectorConfig())
    assert config.embeddings[0].metadata_path == "metadata.tsv"
    checkpoint = tf.train.latest_checkpoint(str(run))
    assert checkpoint.endswith("embedding.ckpt-1")
    exported = tf.train.load_checkpoint(checkpoint).get_tensor(config.embeddings[0].tensor_name)
    np.testing.assert_allclose(exported, model.salient_embedding(target[:16]), rtol=1e-5, atol=1e-6)
    assert "embedding" in _tags(_read(run), "text")

    # Cluster scores after the last epoch are those of the trained model's embeddings.
    clusters = _read(tmp_path / "clusters")
    assert {f"{m}/{g}" for m in ("silhouette", "ari", "nmi") for g in ("salient", "background")} <= _tags(clusters, "scalars")
    salient = model.salient_embedding(target[:16])
    np.testing.assert_allclose(clusters["silhouette/salient"][1][1], metrics.silhouette(salient, labels), atol=1e-5)
    np.testing.assert_allclose(clusters["ari/salient"][1][1], metrics.kmeans_agreement(salient, labels)["ari"], atol=1e-5)
    background = model.background_embedding(target[:16])
    np.testing.assert_allclose(clusters["silhouette/background"][1][1], metrics.silhouette(background, labels), atol=1e-5)


def test_cluster_scores_are_perfect_when_the_means_are_the_labels(tmp_path):
    # The encoder's means are 10 * (the first pixel) = 5 * label: examples of one label
    # share one point, so silhouette, ARI and NMI are all 1.
    labels = np.arange(12) % 3
    x = np.zeros((12, 8, 8, 1), "float32")
    x[:, 0, 0, 0] = labels / 2
    encoder = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    kernel = np.zeros((64, 2))
    kernel[0, 0] = 10.0
    encoder.layers[-1].set_weights([kernel, np.zeros(2)])
    model = VAE((8, 8, 1), 1, encoder=encoder, network_kwargs=SMALL)
    callback = callbacks.ClusterScores(tmp_path, x, labels, every_n_epochs=2)
    callback.set_model(model)
    callback.set_params({"epochs": 4})  # as fit(epochs=4) does
    for epoch in range(4):
        callback.on_epoch_end(epoch)
    callback.on_train_end()
    assert [h["epoch"] for h in callback.history] == [0, 2, 3]  # every 2nd, and the last
    assert callback.history[-1] == pytest.approx({"epoch": 3, "silhouette/z": 1.0, "ari/z": 1.0, "nmi/z": 1.0})
    assert set(_read(tmp_path / "clusters")["silhouette/z"][1]) == {0, 2, 3}
    with pytest.raises(ValueError, match="two distinct"):
        callbacks.ClusterScores(tmp_path, x, np.zeros(12))
    with pytest.raises(ValueError, match="11 labels for 12 examples"):
        callbacks.ClusterScores(tmp_path, x, labels[:11])


def test_logged_per_dimension_kl_matches_the_closed_form(tmp_path):
    # Every input gets means (1, 0, 0) and stddevs (1, 0.5, 1); by hand,
    # KL = 0.5 (m^2 + s^2 - 1) - log s = 0.5, -0.375 + log 2 = 0.318147, 0.
    mean, stddev = np.array([1.0, 0.0, 0.0]), np.array([1.0, 0.5, 1.0])
    expected = [0.5, 0.318147, 0.0]
    np.testing.assert_allclose(callbacks.per_dimension_kl(mean, stddev), expected, atol=1e-6)
    encoder = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(6)])
    raw_scale = np.log(np.expm1(stddev - 1e-4))  # DiagonalNormal: scale = softplus(raw) + 1e-4
    encoder.layers[-1].set_weights([np.zeros((64, 6)), np.stack([mean, raw_scale], -1).reshape(-1)])
    model = VAE((8, 8, 1), 3, encoder=encoder, network_kwargs=SMALL)
    callback = callbacks.LatentHistograms(tmp_path, X[:4])
    callback.set_model(model)
    callback.on_epoch_end(0)
    callback.on_train_end()
    latents = _read(tmp_path / "latents")
    np.testing.assert_allclose([latents[f"kl/z/dim_{d}"][1][0] for d in range(3)], expected, atol=1e-5)
    assert latents["active_dims/z"][1][0] == 2  # the third dimension has collapsed to the prior
    assert latents["active_units/z"][1][0] == 0  # but every input has the same means: nothing about x


def test_scheduled_weights_are_logged_and_used_by_the_compiled_step(tmp_path):
    model = VAE((8, 8, 1), 2, network_kwargs=SMALL, beta=Ramp(2.0, duration=2, unit="epoch"), seed=0)
    model.compile("adam")
    history = model.fit(X[:32], epochs=3, batch_size=16, verbose=0, callbacks=[
        # Batch-frequency logging leaves a record_if(step % 4 == 0) pushed at epoch ends.
        keras.callbacks.TensorBoard(tmp_path / "keras", update_freq=4, write_graph=False),
        callbacks.KLWeightLogger(tmp_path),
        callbacks.LatentHistograms(tmp_path, X[:8], every_n_epochs=2),
    ]).history
    weights = [0.0, 1.0, 2.0]  # beta * min(1, epoch / 2), read at each epoch's end
    logged = _read(tmp_path / "schedule")["kl_weight"][1]
    np.testing.assert_allclose([logged[e] for e in range(3)], weights)
    # The loss of each epoch used that epoch's weight: the traced step reads the epoch variable.
    for e, w in enumerate(weights):
        np.testing.assert_allclose(history["loss"][e], -(history["reconstruction"][e] - w * history["kl"][e]), rtol=1e-4)
    assert set(_read(tmp_path / "latents")["kl/z/dim_0"][1]) == {0, 2}  # every_n_epochs=2
    contrastive = ContrastiveVAE((8, 8, 1), 2, 3, architecture="mlp", network_kwargs=SMALL,
                                 regularizers=[regularizers.Wasserstein(Ramp(4.0, start=1, unit="epoch"))], seed=0)
    contrastive.compile("adam")
    contrastive.fit({"target": X[:16], "background": X[16:32]}, epochs=2, batch_size=16, verbose=0,
                    callbacks=[callbacks.KLWeightLogger(tmp_path / "c")])
    np.testing.assert_allclose(list(_read(tmp_path / "c" / "schedule")["weight/wasserstein"][1].values()), [0.0, 4.0])


def test_bad_data_models_and_arguments_raise(tmp_path):
    with pytest.raises(ValueError, match=r"image examples \(N, H, W, C\)"):
        callbacks.ImageSummaries(tmp_path, np.zeros((4, 30)))
    with pytest.raises(ValueError, match="C in 1, 3 or 4"):
        callbacks.ImageSummaries(tmp_path, np.zeros((4, 8, 8, 2)))
    not_ours = keras.Sequential([keras.Input((30,)), keras.layers.Dense(2)])
    with pytest.raises(TypeError, match="tfvae.VAE or tfvae.ContrastiveVAE"):
        callbacks.LatentHistograms(tmp_path, np.zeros((4, 30))).set_model(not_ours)
    with pytest.raises(ValueError, match="every_n_epochs"):
        callbacks.KLWeightLogger(tmp_path, every_n_epochs=0)
    vectors = VAE((30,), 2, likelihood="normal", network_kwargs=SMALL)
    with pytest.raises(ValueError, match="input shape"):
        callbacks.standard_callbacks(vectors, tmp_path, np.zeros((4, 8, 8, 1)))
    with pytest.raises(ValueError, match="3 labels for 4 examples"):
        callbacks.standard_callbacks(vectors, tmp_path, np.zeros((4, 30)), labels=[0, 1, 2])
    kinds = {type(c).__name__ for c in callbacks.standard_callbacks(vectors, tmp_path, np.zeros((4, 30)))}
    assert kinds == {"TensorBoard", "KLWeightLogger", "LatentHistograms", "EmbeddingProjector"}  # no images of vectors


def test_separation_diagnostics_write_the_label_free_scores(tmp_path):
    from helpers import tiny_contrastive, toy_contrastive_data

    target, background, _ = toy_contrastive_data(64)
    model = tiny_contrastive()
    callback = callbacks.SeparationDiagnostics(tmp_path, target[:32], background[:32], every_n_epochs=2)
    callback.set_model(model)
    callback.set_params({"epochs": 3})
    for epoch in range(3):
        callback.on_epoch_end(epoch)
    callback.on_train_end()
    assert [h["epoch"] for h in callback.history] == [0, 2]
    from tfvae import diagnostics

    assert callback.history[-1] == pytest.approx({"epoch": 2, **diagnostics.separation_diagnostics(
        model, target[:32], background[:32])})  # the model is unchanged: the same scores
    assert set(_read(tmp_path / "diagnostics")["diagnostics/salient_auc"][1]) == {0, 2}
    with pytest.raises(ValueError, match="at least 2 targets"):
        callbacks.SeparationDiagnostics(tmp_path, target[:1], background[:5])
