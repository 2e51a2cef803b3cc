"""The `tfvae tune` command: its flags and one contrastive search on offline data."""

import argparse
import csv
import json

import keras
import pytest

from tfvae import metrics
from tfvae.cli import data as cli_data
from tuning import cli


@pytest.mark.parametrize(
    "text, expected",
    [
        ("latent_dim=2:16", ("latent_dim", (2, 16))),
        ("beta=0.5:4:log", ("beta", {"min": 0.5, "max": 4.0, "sampling": "log"})),
        ("mmd_weight=0:10:linear", ("mmd_weight", {"min": 0, "max": 10, "sampling": "linear"})),
        ("salient_dim=2,4,8", ("salient_dim", [2, 4, 8])),
        ("learning_rate=1e-3", ("learning_rate", 1e-3)),
    ],
)
def test_space_items_parse_to_search_space_specs(text, expected):
    assert cli.parse_space_item(text) == expected


@pytest.mark.parametrize("text", ["latent_dim", "latent_dim=", "=2:4", "latent_dim=a:4", "beta=1:2:cubic", "beta=1:2:3"])
def test_malformed_space_items_are_rejected(text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.parse_space_item(text)


def parse(argv):
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_contrastive_search_writes_the_three_files(tmp_path):
    args = parse(["--model", "cvae", "--dataset", "synthetic", "--tuner", "bayesian", "--objective", "silhouette",
                  "--max-trials", "2", "--epochs", "1", "--hidden-units", "16", "--space", "salient_dim=2",
                  "--space", "background_dim=2,3", "--max-examples", "200", "--batch-size", "32",
                  "--out", str(tmp_path), "--verbose", "0"])
    result = cli.run(args, cli_data.load)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best_hyperparameters.json", "best_model.keras", "search", "trials.csv"]
    with open(tmp_path / "trials.csv") as f:
        rows = list(csv.DictReader(f))
    assert [row["trial_id"] for row in rows] == ["0", "1"] and all(row["status"] == "COMPLETED" for row in rows)
    assert all(row["score"] == row["val_salient_silhouette"] for row in rows)
    assert float(max(rows, key=lambda row: float(row["score"]))["score"]) == result.best_score
    assert json.loads((tmp_path / "best_hyperparameters.json").read_text()) == result.best_hyperparameters
    # The saved best model gives the best trial's salient silhouette on the held-out targets.
    _, test = cli_data.load("synthetic", seed=0)
    model = keras.models.load_model(tmp_path / "best_model.keras")
    silhouette = metrics.silhouette(model.salient_embedding(test.target["x"][:200]), test.target["label"][:200])
    assert silhouette == pytest.approx(result.best_score, rel=1e-5)


def test_contrastive_search_needs_a_background_set(tmp_path):
    with pytest.raises(SystemExit, match="needs a dataset with a background set"):
        cli.run(parse(["--model", "cvae", "--dataset", "digits_8x8", "--out", str(tmp_path)]), cli_data.load)


@pytest.mark.parametrize("flag", ["--max-trials", "--epochs", "--batch-size", "--epoch-size", "--max-examples"])
def test_counts_and_sizes_are_positive(flag, capsys):
    with pytest.raises(SystemExit):
        parse([flag, "0"])
    assert f"argument {flag}: must be a positive integer, got 0" in capsys.readouterr().err
