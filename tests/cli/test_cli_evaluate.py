"""`tfvae train` -> `tfvae evaluate` -> `tfvae export` round trips on tiny offline data."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import tiny_model_config

from tfvae.cli import data as cli_data
from tfvae.cli import report
from tfvae.cli.main import main

TINY = ["--epochs", "1", "--epoch-size", "128", "--batch-size", "32"]


def _test_metrics(path):
    return {key: value for key, value in json.loads(path.read_text()).items() if key.startswith("test_")}


def test_vae_run_evaluates_to_its_training_metrics_and_exports(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--model", "vae", "--dataset", "digits_8x8", "--latent-dim", "2", *TINY,
                 *tiny_model_config(tmp_path, likelihood="bernoulli"), "--seed", "3", "--out", str(run)]) == 0
    assert main(["evaluate", str(run / "model.keras"), "--out", str(tmp_path / "evaluation")]) == 0  # = the folder
    trained, evaluated = _test_metrics(run / "metrics.json"), _test_metrics(tmp_path / "evaluation" / "evaluation.json")
    assert set(evaluated) == set(trained) >= {"test_elbo", "test_latent_silhouette", "test_latent_ari"}
    assert evaluated == pytest.approx(trained, rel=1e-6)  # the run's seed (3) and test split by default
    assert json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())["seed"] == 3
    for name in ("latent_scatter.png", "separation.png", "training_curves.png"):
        assert (tmp_path / "evaluation" / name).stat().st_size > 0

    with pytest.raises(SystemExit, match=r"shape \(8, 8, 1\); mnist_subset has \(28, 28, 1\)"):
        main(["evaluate", str(run), "--dataset", "mnist_subset", "--out", str(tmp_path / "other")])

    assert main(["export", str(run)]) == 0
    exported = tf.saved_model.load(str(run / "saved_model"))
    x = cli_data.load("digits_8x8", seed=3).test.target["x"][:16]
    model = keras.models.load_model(run / "model.keras")
    np.testing.assert_allclose(exported.encode(tf.constant(x))["mean"].numpy(), model.encode(x).mean().numpy(), atol=1e-5)
    assert {"serve", "encode", "decode"} <= set(exported.signatures)


def test_contrastive_run_evaluates_and_exports(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--dataset", "synthetic", "--background-dim", "3", *TINY, *tiny_model_config(tmp_path),
                 "--out", str(run)]) == 0
    assert main(["evaluate", str(run)]) == 0  # into the run folder
    trained, evaluated = _test_metrics(run / "metrics.json"), _test_metrics(run / "evaluation.json")
    assert {"test_salient_silhouette", "test_background_silhouette", "test_target_elbo"} <= set(evaluated)
    assert evaluated == pytest.approx(trained, rel=1e-6)
    assert (run / "latent_scatter.png").exists() and (run / "training_curves.png").exists()
    assert not (run / "separation.png").exists()  # tabular data: no images

    # Another seed changes the Monte-Carlo ELBO only.
    assert main(["evaluate", str(run), "--seed", "1", "--out", str(tmp_path / "seed1")]) == 0
    reseeded = _test_metrics(tmp_path / "seed1" / "evaluation.json")
    assert reseeded["test_target_elbo"] != evaluated["test_target_elbo"]
    assert reseeded["test_salient_silhouette"] == evaluated["test_salient_silhouette"]

    with pytest.raises(SystemExit, match="needs a dataset with a background set"):
        main(["evaluate", str(run), "--dataset", "digits_8x8"])

    assert main(["export", str(run), "--out", str(tmp_path / "saved")]) == 0
    exported = tf.saved_model.load(str(tmp_path / "saved"))
    x = cli_data.load("synthetic").test.target["x"][:16]
    model = keras.models.load_model(run / "model.keras")
    np.testing.assert_allclose(exported.serve(tf.constant(x)).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-4)
    assert {"serve", "encode", "decode", "separate"} <= set(exported.signatures)
    np.testing.assert_allclose(exported.encode(tf.constant(x))["salient_mean"].numpy(), model.salient_embedding(x), atol=1e-5)
    parts = exported.separate(tf.constant(x))
    np.testing.assert_allclose(parts["foreground"].numpy(), model.separate(x)["foreground"], atol=1e-5)
    np.testing.assert_allclose(parts["background_layer"].numpy(), model.separate(x)["background_layer"], atol=1e-5)


@pytest.mark.parametrize("command", ["evaluate", "export"])
def test_commands_need_a_run_folder(tmp_path, command):
    with pytest.raises(SystemExit, match="args.json" if command == "evaluate" else "model.keras"):
        main([command, str(tmp_path)])


def test_history_of_a_resumed_run_keeps_the_last_row_per_epoch(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,val_loss\n0,5.0,6.0\n1,4.0,5.0\n1,3.5,4.5\n2,3.0,NA\n")
    assert report.read_history(path) == {"epoch": [0.0, 1.0, 2.0], "loss": [5.0, 3.5, 3.0],
                                         "val_loss": [6.0, 4.5, pytest.approx(float("nan"), nan_ok=True)]}


def test_a_model_saved_by_the_python_api_evaluates_on_a_named_dataset(tmp_path):
    import tfvae
    from tfvae import metrics

    train, _, test = cli_data.load("synthetic", seed=2)
    model = tfvae.ContrastiveVAE(train.target["x"].shape[1:], salient_dim=2, background_dim=3, architecture="mlp",
                                 likelihood="normal", network_kwargs={"hidden_units": (16,)})
    model.compile(keras.optimizers.Adam(1e-3))
    pairs = {"target": train.target["x"][:64], "background": train.background["x"][:64]}
    model.fit(tf.data.Dataset.from_tensor_slices(pairs).batch(32), epochs=1, verbose=0)
    path = tmp_path / "api" / "model.keras"
    path.parent.mkdir()
    model.save(path)

    with pytest.raises(SystemExit, match="--dataset"):
        main(["evaluate", str(path)])
    assert main(["evaluate", str(path), "--dataset", "synthetic", "--seed", "2"]) == 0  # next to the file
    evaluated = json.loads((path.parent / "evaluation.json").read_text())
    assert evaluated["model"] == "cvae" and evaluated["seed"] == 2
    # The seed's test split: the same silhouette as the model's own embedding of it.
    expected = metrics.silhouette(model.salient_embedding(test.target["x"]), test.target["label"])
    assert evaluated["test_salient_silhouette"] == pytest.approx(expected, abs=1e-6)
    assert (path.parent / "latent_scatter.png").exists() and not (path.parent / "training_curves.png").exists()

    with pytest.raises(SystemExit, match="needs a dataset with a background set"):
        main(["evaluate", str(path), "--dataset", "digits_8x8"])
    with pytest.raises(SystemExit, match="no model file"):
        main(["evaluate", str(tmp_path / "missing.keras"), "--dataset", "synthetic"])
    other = tmp_path / "dense.keras"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]).save(other)
    with pytest.raises(SystemExit, match="not a tfvae VAE or ContrastiveVAE"):
        main(["evaluate", str(other), "--dataset", "synthetic"])
