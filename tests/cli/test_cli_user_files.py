"""`tfvae train` on a user's files, end to end: image folders without labels, and the
shards `tfvae data write` makes; then `tfvae evaluate` and `tfvae export` of the run."""

import json

import numpy as np
import pytest
import tensorflow as tf
from helpers import tiny_model_config, toy_contrastive_data

from tfvae.cli.main import main

TINY = ["--epochs", "1", "--batch-size", "32"]


def write_pngs(folder, images):
    folder.mkdir(parents=True)
    for i, image in enumerate(images):
        tf.io.write_file(str(folder / f"{i:03d}.png"), tf.io.encode_png(np.round(image * 255).astype("uint8")))


def test_two_image_folders_without_labels_train_evaluate_and_export(tmp_path, capsys):
    targets, backgrounds, _ = toy_contrastive_data(100)
    write_pngs(tmp_path / "photos", targets)
    write_pngs(tmp_path / "backgrounds", backgrounds[:60])  # fewer backgrounds than targets: paired by drawing
    run = tmp_path / "run"
    assert main(["train", "--target", str(tmp_path / "photos"), "--background", str(tmp_path / "backgrounds"), *TINY,
                 *tiny_model_config(tmp_path), "--out", str(run)]) == 0
    printed = capsys.readouterr()
    assert "no labels: the label-based scores (silhouettes, k-means ARI and NMI) are skipped." in printed.out
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"test_target_elbo", "test_target_iwae10", "test_salient_active_units", "test_salient_auc",
            "test_background_auc", "test_salient_gain"} <= set(metrics)  # label-free diagnostics too
    assert not any("silhouette" in key or "ari" in key for key in metrics)
    assert metrics["test_target_iwae10"] >= metrics["test_target_elbo"] - 1.0  # a tighter bound, up to MC noise
    assert np.load(run / "test_salient.npy").shape == (20, 2)  # 20% of the 100 photos held out for the test
    assert np.load(run / "test_background.npy").shape == (20, 16)
    for figure in ("separation.png", "latent_scatter.png"):
        assert (run / figure).stat().st_size > 0

    assert main(["evaluate", str(run)]) == 0
    evaluated = json.loads((run / "evaluation.json").read_text())
    assert {k: v for k, v in evaluated.items() if k.startswith("test_")} == pytest.approx(
        {k: v for k, v in metrics.items() if k.startswith("test_")}, rel=1e-6)  # the run's files and test split
    assert main(["export", str(run)]) == 0
    exported = tf.saved_model.load(str(run / "saved_model"))
    assert exported.signatures["separate"] is not None


def test_shards_of_data_write_train_and_evaluate(tmp_path, capsys):
    shards = tmp_path / "shards"
    assert main(["data", "write", "synthetic", "--out", str(shards), "--shards", "3"]) == 0
    run = tmp_path / "run"
    assert main(["train", "--target", str(shards / "target"), "--background", str(shards / "background"),
                 "--background-dim", "3", *TINY, *tiny_model_config(tmp_path), "--out", str(run)]) == 0
    assert "written as 3 shards" in capsys.readouterr().out
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"test_target_elbo", "test_salient_silhouette", "test_background_silhouette", "test_salient_ari"} <= set(metrics)
    assert json.loads((run / "args.json").read_text())["target"] == str(shards / "target")
    assert main(["evaluate", str(run), "--out", str(tmp_path / "again")]) == 0
    evaluated = json.loads((tmp_path / "again" / "evaluation.json").read_text())
    assert evaluated["test_salient_silhouette"] == pytest.approx(metrics["test_salient_silhouette"], rel=1e-6)
