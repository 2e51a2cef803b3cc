"""The `tfvae` command line."""

import argparse
import json
import sys

import numpy as np
import pytest

from tfvae.cli.main import main


def test_help_lists_commands(capsys):
    # In process: `python -m tfvae.cli.main` itself is started by the resume and multiworker tests.
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    shown = capsys.readouterr().out
    assert all(command in shown for command in ("train", "tune", "evaluate", "export", "data"))


def test_train_vae_writes_a_run_folder(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--model", "vae", "--dataset", "digits_8x8", "--architecture", "mlp", "--latent-dim", "2", "--epochs", "2", "--hidden-units", "32"]
    assert main(args + ["--likelihood", "bernoulli", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert -64 * 0.7 < metrics["test_target_elbo"] < 0  # trained beyond p = 0.5 per pixel
    assert -1 <= metrics["test_latent_silhouette"] <= 1
    assert (out / "model.keras").exists() and (out / "separation.png").exists()
    assert any((out / "logs").rglob("events.out.tfevents.*"))
    # A finished run is kept: neither a new run nor --resume writes over it.
    with pytest.raises(SystemExit, match="holds a finished run"):
        main(args + ["--out", str(out)])
    with pytest.raises(SystemExit, match="nothing to resume"):
        main(["train", "--resume", "--out", str(out)])
    assert json.loads((out / "metrics.json").read_text()) == metrics


def test_one_class_run_has_no_clustering_scores(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--model", "vae", "--dataset", "digits_8x8", "--digits", "3", "--architecture", "mlp", "--epochs", "1"]
    assert main(args + ["--epoch-size", "64", "--hidden-units", "8", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert "test_target_elbo" in metrics and not any("silhouette" in key for key in metrics)


@pytest.mark.parametrize("flag", ["--epochs", "--epoch-size", "--batch-size", "--latent-dim", "--salient-dim",
                                  "--background-dim", "--summary-every", "--likelihood-rank"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_sizes_and_counts_are_positive(flag, value, capsys):
    with pytest.raises(SystemExit):
        main(["train", flag, value])
    assert f"argument {flag}: must be a positive integer, got {value}" in capsys.readouterr().err


def test_train_contrastive_on_tabular_data(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--dataset", "synthetic", "--background-dim", "12", "--epochs", "2", "--epoch-size", "400", "--hidden-units", "16"]
    clusters = ["--salient-components", "3", "--mixture-fit-epoch", "1", "--cluster-weight", "1"]
    assert main(args + ["--tc-weight", "1", "--mmd-weight", "1", *clusters, "--residual-components", "3", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"test_salient_silhouette", "test_background_silhouette", "test_salient_ari", "test_target_elbo"} <= set(metrics)
    assert not (out / "separation.png").exists()  # no images to show
    assert json.loads((out / "args.json").read_text())["architecture"] == "mlp"  # the default for vectors
    # The mixture prior was refitted at epoch 1: its means left their seeded start.
    import keras

    from tfvae.cli import report
    from tfvae.layers import MixturePrior

    trained = keras.saving.load_model(out / "model.keras")
    start = MixturePrior(2, 3, seed=0).loc.numpy()
    assert np.abs(trained.salient_mixture.loc.numpy() - start).max() > 0.5
    assert "cluster" in report.read_history(out / "history.csv")
    # The residual texture was fitted after training and saved with the model.
    assert trained.residual_texture.components == 3 and trained.residual_texture.gain.numpy().min() > 0


def test_contrastive_model_needs_a_background_set(tmp_path):
    with pytest.raises(SystemExit, match="needs a dataset with a background set"):
        main(["train", "--dataset", "digits_8x8", "--out", str(tmp_path)])


def test_verbose_flag_picks_the_keras_output(monkeypatch):
    from tfvae.cli import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    assert train._verbosity(parser.parse_args(["--verbose", "1"])) == 1
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert train._verbosity(parser.parse_args([])) == 2  # logs and pipes get one line per epoch
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert train._verbosity(parser.parse_args([])) == 1  # a terminal gets the progress bar


@pytest.mark.parametrize("model", ["cvae", "vae"])
def test_fresh_composites_train_from_an_endless_stream(tmp_path, model):
    from tfvae.cli import report

    run = tmp_path / "run"
    tiny = ["--architecture", "mlp", "--hidden-units", "16", "--epochs", "2", "--epoch-size", "96", "--batch-size", "32"]
    assert main(["train", "--model", model, "--digits", "0,1", "--composites", "fresh", *tiny, "--out", str(run)]) == 0
    history = report.read_history(run / "history.csv")
    assert len(history["loss"]) == 2 and history["loss"][1] < history["loss"][0]  # both epochs ran: 3 steps each
    assert json.loads((run / "args.json").read_text())["composites"] == "fresh"
    assert main(["evaluate", str(run), "--out", str(tmp_path / "evaluation")]) == 0
    trained = json.loads((run / "metrics.json").read_text())
    evaluated = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert {k: v for k, v in evaluated.items() if k.startswith("test_")} == pytest.approx(
        {k: v for k, v in trained.items() if k.startswith("test_")}, rel=1e-6
    )


@pytest.mark.parametrize("value", ["0", "-2", "many", "2.5"])
def test_composites_is_fresh_or_a_positive_int(value, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--composites", value])
    assert "expected 'fresh' or a positive int" in capsys.readouterr().err


def test_network_and_prior_flags_reach_the_model_and_widths_belong_to_their_architecture():
    from tfvae.cli import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    args = parser.parse_args(["--filters", "8,16", "--dense-units", "0", "--salient-dim", "2", "--background-dim", "3",
                              "--salient-components", "4", "--invariance-weight", "0.5"])
    model = train.build_model(args, (28, 28, 1))
    assert model.salient_mixture.loc.shape == (4, 2) and model.invariance_weight == 0.5
    convs = [layer for layer in model.salient_encoder.layers if "conv" in layer.name]
    assert [layer.filters for layer in convs] == [8, 16]
    assert not any("dense" in layer.name for layer in model.salient_encoder.layers[:-1])  # --dense-units 0: none
    for choice, scale in (("normal_per_dimension", "per_dimension"), ("normal_predicted", "predicted"), (None, "global")):
        chosen = train.build_model(parser.parse_args(["--likelihood", choice] if choice else []), (28, 28, 1))
        assert chosen.likelihood.scale == scale and chosen.likelihood.fixed_scale == 0.1
    assert train.build_model(parser.parse_args(["--likelihood", "normal"]), (28, 28, 1)).likelihood.fixed_scale == 1.0
    assert "linear_skip" not in [layer.name for layer in model.salient_encoder.layers]
    for architecture in ("conv", "mlp"):
        skipped = train.build_model(parser.parse_args(["--architecture", architecture, "--linear-skip"]), (28, 28, 1))
        assert skipped.network_kwargs == {"linear_skip": True}
        assert "linear_skip" in [layer.name for layer in skipped.salient_encoder.layers]
    named = train.build_model(parser.parse_args(["--linear-skip", "background_decoder"]), (28, 28, 1))
    assert named.linear_skip == ("background_decoder",) and "linear_skip" not in named.network_kwargs
    assert named.background_basis is None
    assert train.build_model(parser.parse_args(["--background-basis"]), (28, 28, 1)).background_basis.size == 784
    clustered = train.build_model(parser.parse_args(["--salient-components", "3", "--cluster-weight", "5"]), (28, 28, 1))
    assert clustered.cluster_weight == 5.0 and model.cluster_weight == 0.0
    late = train.build_model(parser.parse_args(["--background-basis", "--background-basis-start", "2", "--epoch-size", "640",
                                                "--batch-size", "64"]), (28, 28, 1))
    assert late.background_basis_start == 20  # epochs to steps
    both = train.build_model(parser.parse_args(["--background-encoder-basis", "--background-basis-start", "1"]), (28, 28, 1))
    assert both.background_encoder_basis is not None and both.background_basis is None
    swapped = train.build_model(parser.parse_args(["--invariance-weight", "1", "--invariance-swap", "reconstruction"]), (28, 28, 1))
    assert swapped.invariance_swap == "reconstruction" and model.invariance_swap == "target"
    late_swap = train.build_model(parser.parse_args(["--invariance-weight", "1", "--invariance-swap", "reconstruction",
                                                     "--invariance-swap-start", "2", "--epoch-size", "640"]), (28, 28, 1))
    assert late_swap.invariance_swap_start == 20  # epochs to steps at batch 64
    contrast = train.build_model(parser.parse_args(["--invariance-weight", "1", "--invariance-temperature", "0.5"]), (28, 28, 1))
    assert contrast.invariance_temperature == 0.5 and model.invariance_temperature == 0.0
    assert train.build_model(parser.parse_args(["--residual-components", "8"]), (28, 28, 1)).residual_texture.components == 8
    low_rank = train.build_model(parser.parse_args(["--likelihood", "normal_low_rank", "--likelihood-rank", "5",
                                                    "--background-basis-start", "1"]), (28, 28, 1))
    assert (low_rank.likelihood.rank, low_rank.likelihood.fixed_scale, low_rank.background_basis_start) == (5, 0.1, 63)
    assert train.build_model(parser.parse_args(["--likelihood", "normal_low_rank"]), (28, 28, 1)).likelihood.rank == 16
    for wrong, message in ((["--linear-skip", "decoder"], "with --decoder additive choose from"),
                           (["--linear-skip", "all,decoder"], "'all' alone"),
                           (["--model", "vae", "--linear-skip", "decoder"], "names cvae networks"),
                           (["--model", "vae", "--background-basis"], "applies to --model cvae"),
                           (["--background-basis-start", "2"], "--background-basis-start needs --background-basis"),
                           (["--model", "vae", "--background-encoder-basis"], "applies to --model cvae"),
                           (["--model", "vae", "--residual-components", "4"], "--residual-components applies to --model cvae"),
                           (["--likelihood-rank", "4"], "--likelihood-rank needs --likelihood normal_low_rank"),
                           (["--likelihood", "normal_low_rank", "--residual-components", "4"], "both model the residual"),
                           (["--invariance-swap", "reconstruction"], "--invariance-swap needs --model cvae and --invariance-weight"),
                           (["--invariance-weight", "1", "--invariance-swap-start", "2"], "--invariance-swap-start needs"),
                           (["--invariance-temperature", "0.5"], "--invariance-temperature needs --model cvae"),
                           (["--cluster-weight", "1"], "--cluster-weight needs --model cvae and --salient-components"),
                           (["--mixture-fit-epoch", "2"], "--mixture-fit-epoch needs"),
                           (["--salient-components", "3", "--mixture-fit-epoch", "12"], r"in \[0, --epochs\)"),
                           (["--salient-components", "3", "--mixture-fit-epoch", "1", "--strategy", "multiworker"],
                            "the multiworker loop has none")):
        with pytest.raises(SystemExit, match=message):
            train.build_model(parser.parse_args(wrong), (28, 28, 1))
    for wrong in (["--architecture", "mlp", "--filters", "8"], ["--hidden-units", "16"]):
        with pytest.raises(SystemExit, match="applies to --architecture"):
            train.build_model(parser.parse_args(wrong), (28, 28, 1))


def test_residual_texture_fits_to_the_training_background_examples():
    from types import SimpleNamespace

    from tfvae.cli import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    fixed = SimpleNamespace(background={"x": np.zeros((7, 28, 28, 1), "float32")})
    assert train.texture_examples(parser.parse_args(["--composites", "3"]), fixed) is fixed.background["x"]
    args = parser.parse_args(["--composites", "fresh", "--digits", "0,1"])
    args.digits = (0, 1)
    drawn = train.texture_examples(args, fixed, count=50)  # from the fresh training stream: grass crops
    assert drawn.shape == (50, 28, 28, 1) and 0 <= drawn.min() and drawn.max() <= 1 and drawn.std() > 0.05
    assert not np.array_equal(drawn[0], drawn[1])


def test_resume_names_the_given_flags_it_ignores():
    from tfvae.cli import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    saved = argparse.Namespace(**{**vars(parser.parse_args([])), "epochs": 8, "seed": 3})
    given = parser.parse_args(["--resume", "--out", "run", "--epochs", "10", "--seed", "3", "--batch-size", "32"])
    assert train._ignored_on_resume(given, saved) == ["--epochs 10", "--batch-size 32"]
    assert train._ignored_on_resume(parser.parse_args(["--resume", "--out", "run"]), saved) == []
