"""`tuning.search` end to end on tiny data: every trial, the best one, the saved files
and reloaded model, TensorBoard HParams runs, resuming, other tuners, clear errors."""

import csv
import json
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.hparams import plugin_data_pb2

import tuning

TUNED = ("latent_dim", "learning_rate", "beta")


def run_vae_search(x, val, directory, tiny, **kwargs):
    options = dict(max_trials=2, epochs=2, batch_size=32, space={"latent_dim": (2, 3)}, model_kwargs=tiny, iwae_samples=4)
    return tuning.search("vae", x, val, directory=str(directory), **{**options, **kwargs})


@pytest.fixture(scope="module")
def vae_search(digits, tiny, tmp_path_factory):
    """A 2-trial random search of 2 epochs each; returns (result, search directory)."""
    directory = tmp_path_factory.mktemp("search")
    return run_vae_search(*digits, directory, tiny), directory


def test_every_trial_completes_and_is_scored_by_the_fixed_seed_elbo(vae_search):
    result, _ = vae_search
    assert result.objective == "val_elbo_fixed_seed" and result.role == "standalone"
    assert [row["trial_id"] for row in result.trials] == ["0", "1"]
    for row in result.trials:
        assert row["status"] == "COMPLETED"
        assert {"val_elbo", "val_iwae", "val_latent_silhouette"} <= set(row)
        assert row["score"] == row["val_elbo_fixed_seed"]
        assert row["latent_dim"] in (2, 3) and 1e-4 <= row["learning_rate"] <= 1e-2


def test_reported_best_trial_has_the_best_objective(vae_search):
    result, _ = vae_search
    scores = {row["trial_id"]: row["score"] for row in result.trials}
    assert result.best_trial_id == max(scores, key=scores.get)
    assert result.best_score == max(scores.values())
    best_row = next(row for row in result.trials if row["trial_id"] == result.best_trial_id)
    assert result.best_hyperparameters == {name: best_row[name] for name in TUNED}
    assert result.best_model.latent_dim == result.best_hyperparameters["latent_dim"]


def test_saved_files_and_reloaded_best_model_reproduce_the_best_val_elbo(vae_search, digits, tmp_path):
    result, _ = vae_search
    paths = result.save(tmp_path)
    assert json.loads(open(paths["best_hyperparameters"]).read()) == result.best_hyperparameters
    with open(paths["trials"]) as f:
        rows = list(csv.DictReader(f))
    assert [row["trial_id"] for row in rows] == ["0", "1"]
    assert [float(row["score"]) for row in rows] == [row["score"] for row in result.trials]
    model = keras.models.load_model(paths["best_model"])
    elbo = float(np.mean(model.elbo(digits[1]["x"], seed=0)))
    assert elbo == pytest.approx(result.best_score, rel=1e-6)


def hparams_of_run(run_dir):
    """The hyperparameter values the HParams plugin recorded in one TensorBoard run."""
    for path in run_dir.glob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(path)):
            for value in event_pb2.Event.FromString(record.numpy()).summary.value:
                if value.metadata.plugin_data.plugin_name == "hparams":
                    data = plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
                    if data.HasField("session_start_info"):
                        return {k: v.number_value for k, v in data.session_start_info.hparams.items()}
    return None


def test_each_trial_is_one_tensorboard_hparams_run(vae_search):
    result, directory = vae_search
    logs = directory / "vae_random" / "logs"
    assert sorted(p.name for p in logs.iterdir()) == ["0", "1"]
    for row in result.trials:
        run = logs / row["trial_id"] / "execution0"
        assert hparams_of_run(run) == pytest.approx({name: row[name] for name in TUNED})
        assert any((run / "validation").glob("events.out.tfevents.*"))


def test_rerun_without_overwrite_resumes_the_search(vae_search, digits, tiny, tmp_path):
    result, directory = vae_search
    shutil.copytree(directory, tmp_path, dirs_exist_ok=True)
    resumed = run_vae_search(*digits, tmp_path, tiny, max_trials=3)
    assert [row["trial_id"] for row in resumed.trials] == ["0", "1", "2"]  # only one new trial ran
    assert [row["score"] for row in resumed.trials[:2]] == [row["score"] for row in result.trials]
    assert resumed.best_score == max(row["score"] for row in resumed.trials)


def test_hyperband_runs_under_the_given_distribution_strategy(digits, tiny, tmp_path):
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    result = run_vae_search(*digits, tmp_path, tiny, tuner="hyperband", iwae_samples=0, tuner_kwargs={"factor": 2},
                            distribution_strategy=strategy)
    assert result.tuner.distribution_strategy is strategy
    assert result.best_model.distribute_strategy is strategy
    assert len(result.trials) >= 2 and all(row["status"] == "COMPLETED" for row in result.trials)
    assert max(row["tuner/epochs"] for row in result.trials) == 2
    assert result.best_score == max(row["score"] for row in result.trials)
    assert set(result.best_hyperparameters) == set(TUNED)  # Hyperband's tuner/* entries left out


@pytest.mark.parametrize(
    "model, kwargs, message",
    [
        ("gan", {}, r"model must be one of \['cvae', 'vae'\], got 'gan'"),
        ("vae", {"tuner": "grid"}, r"tuner must be one of \['bayesian', 'hyperband', 'random'\]"),
        ("vae", {"max_trials": 0}, "max_trials must be an int >= 1, got 0"),
        ("vae", {"epochs": 1.5}, "epochs must be an int >= 1"),
        ("vae", {"objective": "accuracy"}, r"objective must be one of \['elbo', 'iwae', 'silhouette'\]"),
        ("vae", {"objective": "iwae", "iwae_samples": 0}, "objective 'iwae' needs iwae_samples >= 1"),
        ("vae", {"space": {"latent_dim": (4, 2)}}, "latent_dim: a range needs low < high"),
        ("vae", {"space": {"hidden_units": (16,)}}, r"unknown hyperparameters \['hidden_units'\]"),
        ("vae", {"preset": "mm_cvae"}, "preset: model 'vae' has no presets"),
        ("cvae", {}, r"train_data: this model's batches need the keys \['target', 'background'\]; missing"),
    ],
)
def test_bad_arguments_fail_before_any_trial(digits, tmp_path, model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tuning.search(model, *digits, directory=str(tmp_path / "search"), **kwargs)
    assert not (tmp_path / "search").exists()


def test_silhouette_objective_needs_labels(digits, tmp_path):
    x, val = digits
    with pytest.raises(ValueError, match="objective 'silhouette' needs labels"):
        tuning.search("vae", x, {"x": val["x"]}, objective="silhouette", directory=str(tmp_path))


def test_iwae_is_only_offered_for_the_vae(tmp_path):
    pairs = {"target": np.zeros((4, 3), "float32"), "background": np.zeros((4, 3), "float32")}
    with pytest.raises(ValueError, match="ContrastiveVAE has no IWAE estimate"):
        tuning.search("cvae", pairs, pairs, iwae_samples=8, directory=str(tmp_path))
