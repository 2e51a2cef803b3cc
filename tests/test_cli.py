"""The `tfvae` command line."""

import json
import subprocess
import sys

import pytest

from tfvae.cli.main import main


def test_help_lists_commands():
    result = subprocess.run([sys.executable, "-m", "tfvae.cli.main", "--help"], capture_output=True, text=True, check=True)
    assert "train" in result.stdout


def test_train_vae_writes_a_run_folder(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--model", "vae", "--dataset", "digits_8x8", "--architecture", "mlp", "--latent-dim", "2", "--epochs", "2", "--hidden-units", "32"]
    assert main(args + ["--likelihood", "bernoulli", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert -64 * 0.7 < metrics["test_target_elbo"] < 0  # trained beyond p = 0.5 per pixel
    assert -1 <= metrics["test_latent_silhouette"] <= 1
    assert (out / "model.keras").exists() and (out / "separation.png").exists()
    assert any((out / "logs").rglob("events.out.tfevents.*"))


def test_train_contrastive_on_tabular_data(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--dataset", "synthetic", "--architecture", "mlp", "--background-dim", "12", "--epochs", "2", "--epoch-size", "400", "--hidden-units", "16"]
    assert main(args + ["--tc-weight", "1", "--mmd-weight", "1", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"test_salient_silhouette", "test_background_silhouette", "test_salient_ari", "test_target_elbo"} <= set(metrics)
    assert not (out / "separation.png").exists()  # no images to show


def test_contrastive_model_needs_a_background_set(tmp_path):
    with pytest.raises(SystemExit, match="needs a dataset with a background set"):
        main(["train", "--dataset", "digits_8x8", "--out", str(tmp_path)])


def test_verbose_flag_picks_the_keras_output(monkeypatch):
    import argparse

    from tfvae.cli import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    assert train._verbosity(parser.parse_args(["--verbose", "1"])) == 1
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert train._verbosity(parser.parse_args([])) == 2  # logs and pipes get one line per epoch
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert train._verbosity(parser.parse_args([])) == 1  # a terminal gets the progress bar
