"""The held-out metrics callback: fixed-seed, hence comparable between calls."""

import copy

import keras_tuner
import numpy as np
import pytest

from tuning import HeldOutMetrics, VAEHyperModel


@pytest.fixture(scope="module")
def hypermodel_and_model(tiny):
    hypermodel = VAEHyperModel((8, 8, 1), space={"latent_dim": 2}, model_kwargs=tiny)
    return hypermodel, hypermodel.build(keras_tuner.HyperParameters())


def epoch_logs(callback, model):
    callback.set_model(model)
    logs = {"val_elbo": 0.0}
    callback.on_epoch_end(0, logs)
    return logs


def test_metrics_are_reproducible_while_kerass_evaluate_is_not(hypermodel_and_model, digits):
    hypermodel, model = hypermodel_and_model
    x, labels = digits[1]["x"], digits[1]["label"]
    callback = HeldOutMetrics(hypermodel, x, labels, seed=0, iwae_samples=3)
    first, second = epoch_logs(callback, model), epoch_logs(callback, model)
    assert first == second
    assert set(first) == {"val_elbo", "val_elbo_fixed_seed", "val_iwae", "val_latent_silhouette"}
    assert first["val_elbo_fixed_seed"] == pytest.approx(float(np.mean(model.elbo(x, seed=0))), rel=1e-6)
    assert -1 <= first["val_latent_silhouette"] <= 1
    # Keras's own validation draws fresh noise on every call: not comparable.
    assert model.evaluate(x, verbose=0, return_dict=True)["elbo"] != model.evaluate(x, verbose=0, return_dict=True)["elbo"]


def test_another_seed_gives_another_estimate(hypermodel_and_model, digits):
    hypermodel, model = hypermodel_and_model
    x = digits[1]["x"]
    seed0 = epoch_logs(HeldOutMetrics(hypermodel, x, seed=0), model)["val_elbo_fixed_seed"]
    seed1 = epoch_logs(HeldOutMetrics(hypermodel, x, seed=1), model)["val_elbo_fixed_seed"]
    assert seed0 != seed1


def test_deep_copies_share_the_held_out_data(hypermodel_and_model, digits):
    hypermodel, _ = hypermodel_and_model
    callback = HeldOutMetrics(hypermodel, digits[1]["x"], digits[1]["label"], seed=3, iwae_samples=2)
    clone = copy.deepcopy(callback)  # as Keras Tuner does for every trial
    assert clone is not callback and clone.x is callback.x and clone.labels is callback.labels
    assert (clone.seed, clone.iwae_samples, clone.hypermodel) == (3, 2, hypermodel)
