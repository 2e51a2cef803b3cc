"""The `tfvae tune` command: its flags, the model arguments they give, and one
contrastive search around a preset on offline data."""

import argparse
import csv
import json

import keras
import numpy as np
import pytest

import tfvae
from tfvae import metrics
from tfvae.cli import data as cli_data
from tfvae.cli import tune
from tfvae.models.regularizers import BackgroundMMD, SalientMMD
from tuning import ContrastiveVAEHyperModel


@pytest.mark.parametrize(
    "text, expected",
    [
        ("latent_dim=2:16", ("latent_dim", (2, 16))),
        ("beta=0.5:4:log", ("beta", {"min": 0.5, "max": 4.0, "sampling": "log"})),
        ("mmd_salient_weight=0:10:linear", ("mmd_salient_weight", {"min": 0, "max": 10, "sampling": "linear"})),
        ("salient_dim=2,4,8", ("salient_dim", [2, 4, 8])),
        ("learning_rate=1e-3", ("learning_rate", 1e-3)),
    ],
)
def test_space_items_parse_to_search_space_specs(text, expected):
    assert tune.parse_space_item(text) == expected


@pytest.mark.parametrize("text", ["latent_dim", "latent_dim=", "=2:4", "latent_dim=a:4", "beta=1:2:cubic", "beta=1:2:3"])
def test_malformed_space_items_are_rejected(text):
    with pytest.raises(argparse.ArgumentTypeError):
        tune.parse_space_item(text)


def parse(argv):
    parser = argparse.ArgumentParser()
    tune.add_arguments(parser)
    return parser.parse_args(argv)


def test_contrastive_search_around_a_preset_writes_the_three_files(tmp_path):
    args = parse(["--model", "cvae", "--preset", "mm_cvae", "--dataset", "synthetic", "--tuner", "bayesian",
                  "--objective", "silhouette",
                  "--max-trials", "2", "--epochs", "1", "--hidden-units", "16", "--space", "salient_dim=2",
                  "--space", "background_dim=2,3", "--max-examples", "200", "--batch-size", "32",
                  "--out", str(tmp_path), "--verbose", "0"])
    result = tune.run(args)
    assert result.tuner.hypermodel.preset == "mm_cvae"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best_hyperparameters.json", "best_model.keras", "search", "trials.csv"]
    with open(tmp_path / "trials.csv") as f:
        rows = list(csv.DictReader(f))
    assert [row["trial_id"] for row in rows] == ["0", "1"] and all(row["status"] == "COMPLETED" for row in rows)
    assert all(row["score"] == row["val_salient_silhouette"] for row in rows)
    assert float(max(rows, key=lambda row: float(row["score"]))["score"]) == result.best_score
    assert json.loads((tmp_path / "best_hyperparameters.json").read_text()) == result.best_hyperparameters
    # The preset's weights are reported; its recipe is the saved model's.
    assert {key: result.best_hyperparameters[key] for key in ("mmd_background_weight", "mmd_salient_weight")} == {
        "mmd_background_weight": 80.0, "mmd_salient_weight": 8.0}
    # The saved best model gives the best trial's salient silhouette on the held-out targets.
    validation = cli_data.load("synthetic", seed=0).validation
    model = keras.models.load_model(tmp_path / "best_model.keras")
    assert [type(r) for r in model.regularizers] == [BackgroundMMD, SalientMMD] and model.decoder_kind == "joint"
    silhouette = metrics.silhouette(model.salient_embedding(validation.target["x"][:200]), validation.target["label"][:200])
    assert silhouette == pytest.approx(result.best_score, rel=1e-5)


def test_contrastive_search_needs_a_background_set(tmp_path):
    with pytest.raises(SystemExit, match="needs a dataset with a background set"):
        tune.run(parse(["--model", "cvae", "--dataset", "digits_8x8", "--out", str(tmp_path)]))


@pytest.mark.parametrize("flag", ["--max-trials", "--epochs", "--batch-size", "--epoch-size", "--max-examples"])
def test_counts_and_sizes_are_positive(flag, capsys):
    with pytest.raises(SystemExit):
        parse([flag, "0"])
    assert f"argument {flag}: must be a positive integer, got 0" in capsys.readouterr().err


def test_preset_defaults_to_the_recommended_recipe_and_refuses_the_vae(tmp_path):
    assert parse([]).preset == "recommended"
    with pytest.raises(SystemExit, match="--preset names a cvae recipe"):
        tune.run(parse(["--model", "vae", "--preset", "mm_cvae", "--out", str(tmp_path)]))
    assert not tmp_path.joinpath("search").exists()


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--model", "cvae"], {}),  # the preset's architecture and likelihood
        (["--model", "cvae", "--likelihood", "poisson", "--architecture", "mlp", "--hidden-units", "8,4"],
         {"likelihood": "poisson", "architecture": "mlp", "network_kwargs": {"hidden_units": (8, 4)}}),
        (["--model", "vae"], {"architecture": "mlp", "likelihood": "bernoulli"}),
        (["--model", "vae", "--likelihood", "normal", "--architecture", "auto"], {"architecture": "auto", "likelihood": "normal"}),
    ],
)
def test_flags_give_the_model_arguments_over_the_preset(argv, expected):
    assert tune.model_kwargs(parse(argv), np.linspace(0.0, 1.0, 10)) == expected


def test_vae_auto_likelihood_is_normal_outside_the_unit_interval():
    assert tune.model_kwargs(parse(["--model", "vae"]), np.array([-1.0, 2.0]))["likelihood"] == "normal"


@pytest.mark.parametrize("preset", list(tfvae.presets.PRESETS))
def test_help_lists_each_presets_weights(preset):
    specs = ContrastiveVAEHyperModel((30,), preset=preset).space.specs
    weights = ", ".join(f"{name} ({specs[name]['value']:g})" for name in specs if name.endswith("_weight"))
    assert f"    {preset:<17}{weights}\n" in tune.__doc__
