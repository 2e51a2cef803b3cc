"""The `tfvae` command line: `tfvae train` and its model choices."""

import argparse
import json
import sys

import numpy as np
import pytest
import yaml
from helpers import tiny_model_config, without_names

from tfvae.cli.main import build_parser, main


def _train_parser():
    from tfvae.cli import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    return parser


def test_help_lists_commands_and_train_has_at_most_25_flags_in_groups_with_their_defaults(capsys):
    # In process: `python -m tfvae.cli.main` itself is started by the resume and multiworker tests.
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    shown = capsys.readouterr().out
    assert all(command in shown for command in ("train", "tune", "evaluate", "export", "data"))
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    # One flag per help entry (an alias such as --target/--data is one), --help aside.
    flags = [action.option_strings for action in train._actions if action.option_strings and action.dest != "help"]
    assert len(flags) <= 25, flags
    undocumented = [action.dest for action in train._actions if action.option_strings and not action.help]
    assert not undocumented  # every flag has help, so --help shows its default
    groups = {group.title: [a.dest for a in group._group_actions] for group in train._action_groups}
    assert {"data", "model", "training", "output"} <= set(groups)
    assert {"preset", "model_config", "salient_dim"} <= set(groups["model"])
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "(default: recommended)" in " ".join(capsys.readouterr().out.split())  # help shows the defaults


def test_train_vae_writes_a_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    config = tiny_model_config(tmp_path, likelihood="bernoulli")
    args = ["train", "--model", "vae", "--dataset", "digits_8x8", "--latent-dim", "2", "--epochs", "2", *config]
    untrained = -64 * 0.693  # every pixel at p = 0.5
    assert main(args + ["--epoch-size", "6400", "--out", str(out)]) == 0
    # 1,437 training digits, less the 10% validation split: said, not silent.
    said = capsys.readouterr().out
    assert "an epoch is 6,400 examples: 4.9 passes over the 1,294 training examples" in said
    stages = ["loading the data", "building the model", "saving the model", "evaluating on the test split (359 "]
    positions = [said.find(f"tfvae train: {stage}") for stage in stages]
    assert -1 not in positions and positions == sorted(positions)  # each stage said, in order
    metrics = json.loads((out / "metrics.json").read_text())
    assert untrained * 0.7 < metrics["test_elbo"] < 0  # trained well beyond p = 0.5
    assert metrics["test_iwae10"] > metrics["test_elbo"]  # the importance-weighted bound is the tighter one
    assert -1 <= metrics["test_latent_silhouette"] <= 1
    assert (out / "model.keras").exists() and (out / "separation.png").exists() and (out / "latent_scatter.png").exists()
    assert np.load(out / "test_latent.npy").shape == (359, 2)  # one row of posterior means per test digit
    assert any((out / "logs").rglob("events.out.tfevents.*"))
    # A finished run is kept: neither a new run nor --resume writes over it.
    with pytest.raises(SystemExit, match="holds a finished run"):
        main(args + ["--out", str(out)])
    with pytest.raises(SystemExit, match="nothing to resume"):
        main(["train", "--resume", "--out", str(out)])
    assert json.loads((out / "metrics.json").read_text()) == metrics


def test_one_class_run_has_no_clustering_scores(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--model", "vae", "--dataset", "digits_8x8", "--digits", "3", "--epochs", "1", "--epoch-size", "64"]
    assert main(args + [*tiny_model_config(tmp_path), "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert "test_elbo" in metrics and not any("silhouette" in key for key in metrics)


@pytest.mark.parametrize("flag", ["--epochs", "--epoch-size", "--batch-size", "--latent-dim", "--salient-dim",
                                  "--background-dim", "--summary-every"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_sizes_and_counts_are_positive(flag, value, capsys):
    with pytest.raises(SystemExit):
        main(["train", flag, value])
    assert f"argument {flag}: must be a positive integer, got {value}" in capsys.readouterr().err


def test_a_preset_and_a_model_config_train_on_tabular_data_and_the_config_round_trips(tmp_path):
    out = tmp_path / "run"
    tc = {"class_name": "TotalCorrelation", "config": {"weight": 1.0, "hidden_units": [8]}}
    config = tiny_model_config(tmp_path, regularizers=[tc], beta={"class_name": "Ramp", "config": {"duration": 5}})
    args = ["train", "--dataset", "synthetic", "--preset", "mm_cvae", "--background-dim", "12", "--epochs", "2",
            "--epoch-size", "400"]
    assert main(args + [*config, "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"test_salient_silhouette", "test_background_silhouette", "test_salient_ari", "test_target_elbo"} <= set(metrics)
    assert not (out / "separation.png").exists()  # no images to show
    saved = yaml.safe_load((out / "model_config.yaml").read_text())
    # The preset's decoder and likelihood, the file's regularizers and schedule, the flag's size.
    assert saved["decoder"] == "joint" and saved["likelihood"]["config"]["scale"] == "global"
    assert [r["class_name"] for r in saved["regularizers"]] == ["TotalCorrelation"]
    assert saved["beta"]["config"]["duration"] == 5 and saved["background_dim"] == 12
    assert "tc_discriminator_loss" in (out / "history.csv").read_text()
    # model_config.yaml rebuilds the model: the same config through --model-config.
    from tfvae.cli import train

    parsed = _train_parser().parse_args(["--dataset", "synthetic", "--model-config", str(out / "model_config.yaml")])
    rebuilt = train.build_model(parsed, (30,))
    assert without_names(rebuilt.get_config()) == without_names(saved)


def test_model_config_errors_are_one_line(tmp_path):
    from tfvae.cli import train

    parser = _train_parser()
    cases = (("decoder: sum\n", "tfvae train: decoder must be one of"),
             ("- 1\n", "expected a mapping of constructor arguments"),
             ("input_shape: [8, 8, 1]\n", r"input_shape \(8, 8, 1\) is not the data's \(28, 28, 1\)"),
             ("regularizers:\n  - {class_name: Sparsity, config: {}}\n", "Sparsity"),
             ("salient_dimm: 3\n", "Unrecognized keyword arguments passed to ContrastiveVAE: {'salient_dimm': 3}"))
    for text, message in cases:
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        with pytest.raises(SystemExit, match=message):
            train.build_model(parser.parse_args(["--model-config", str(path)]), (28, 28, 1))
    with pytest.raises(SystemExit, match="not found"):
        train.build_model(parser.parse_args(["--model-config", str(tmp_path / "none.yaml")]), (28, 28, 1))
    with pytest.raises(SystemExit, match="--preset names a cvae recipe"):
        train.build_model(parser.parse_args(["--model", "vae", "--preset", "mm_cvae"]), (28, 28, 1))


def test_the_default_command_builds_the_default_model():
    from tfvae import ContrastiveVAE
    from tfvae.cli import train

    built = train.build_model(_train_parser().parse_args([]), (28, 28, 1))
    assert without_names(built.get_config()) == without_names(ContrastiveVAE((28, 28, 1), 2, 16, seed=0).get_config())


def test_the_layered_preset_is_chosen_on_the_command_line():
    from tfvae.cli import train
    from tfvae.networks import LayeredDecoder

    built = train.build_model(_train_parser().parse_args(["--preset", "layered"]), (28, 28, 1))
    assert built.decoder_kind == "layered" and isinstance(built.decoder, LayeredDecoder)
    assert [r.term for r in built.regularizers] == ["invariance", "mask_area"]
    with pytest.raises(SystemExit, match=r"decoder='layered' needs images"):
        train.build_model(_train_parser().parse_args(["--preset", "layered"]), (30,))


def test_contrastive_model_needs_a_background_set(tmp_path):
    with pytest.raises(SystemExit, match="needs a dataset with a background set"):
        main(["train", "--dataset", "digits_8x8", "--out", str(tmp_path)])


def test_verbose_flag_picks_the_keras_output(monkeypatch):
    from tfvae.cli import train

    parser = _train_parser()
    assert train._verbosity(parser.parse_args(["--verbose", "1"])) == 1
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert train._verbosity(parser.parse_args([])) == 2  # logs and pipes get one line per epoch
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert train._verbosity(parser.parse_args([])) == 1  # a terminal gets the progress bar


@pytest.mark.parametrize("model", ["cvae", "vae"])
def test_mnist_on_grass_trains_from_an_endless_stream_and_evaluate_reproduces_it(tmp_path, model):
    from tfvae.cli import report

    run = tmp_path / "run"
    tiny = [*tiny_model_config(tmp_path), "--epochs", "2", "--epoch-size", "96", "--batch-size", "32"]
    assert main(["train", "--model", model, "--digits", "0,1", *tiny, "--out", str(run)]) == 0
    history = report.read_history(run / "history.csv")
    assert len(history["loss"]) == 2 and history["loss"][1] < history["loss"][0]  # both epochs ran: 3 steps each
    assert main(["evaluate", str(run), "--out", str(tmp_path / "evaluation")]) == 0
    trained = json.loads((run / "metrics.json").read_text())
    evaluated = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert {k: v for k, v in evaluated.items() if k.startswith("test_")} == pytest.approx(
        {k: v for k, v in trained.items() if k.startswith("test_")}, rel=1e-6)


def test_resume_names_the_given_flags_it_ignores():
    from tfvae.cli import train

    parser = _train_parser()
    saved = argparse.Namespace(**{**vars(parser.parse_args([])), "epochs": 8, "seed": 3})
    given = parser.parse_args(["--resume", "--out", "run", "--epochs", "10", "--seed", "3", "--batch-size", "32"])
    assert train._ignored_on_resume(given, saved) == ["--epochs 10", "--batch-size 32"]
    assert train._ignored_on_resume(parser.parse_args(["--resume", "--out", "run"]), saved) == []


def test_a_run_of_tfvae_0_1_is_not_resumed(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    (out / "backup").mkdir()
    (out / "args.json").write_text(json.dumps({"model": "cvae", "dataset": "synthetic", "tc_weight": 1.0, "seed": 0}))
    with pytest.raises(SystemExit, match="written by tfvae 0.1"):
        main(["train", "--resume", "--out", str(out)])
