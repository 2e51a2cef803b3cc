"""Files written by tfvae 0.1 (tests/fixtures/v0_1, made with the 0.1 code) still load."""

import os
import warnings

import keras
import numpy as np
import pytest

from tfvae.models import legacy

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "v0_1")


def _path(name):
    return os.path.join(FIXTURES, name)


def test_a_regularized_contrastive_model_loads_with_its_weights_and_schedules():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.models.load_model(_path("contrastive_tc_mmd_wasserstein_invariance.keras"))
    x = np.load(_path("contrastive_inputs.npy"))
    np.testing.assert_allclose(model.salient_embedding(x), np.load(_path("contrastive_salient_means.npy")), atol=1e-6)
    # tc_weight 2, mmd_weight 1 (both terms), wasserstein_weight 3, relative invariance 100.
    assert [(type(r).__name__, r.weight.final) for r in model.regularizers] == [
        ("TotalCorrelation", 2.0), ("BackgroundMMD", 1.0), ("SalientMMD", 1.0), ("Wasserstein", 3.0),
        ("BackgroundSwapInvariance", 100.0 / 64)]  # per value of the 8x8 inputs: the same penalty
    # beta 0.5 with kl_warmup_steps 3; the low-rank factor learned from background_basis_start 2.
    assert (model.beta.final, model.beta.duration) == (0.5, 3) and model.likelihood.start.start == 2
    assert any("discriminator starts afresh" in str(w.message) for w in caught)
    model.fit({"target": x, "background": x}, batch_size=8, epochs=1, verbose=0)  # and trains on


def test_a_vae_with_a_kl_warmup_loads():
    model = keras.models.load_model(_path("vae_warmup.keras"))
    x = np.load(_path("contrastive_inputs.npy"))
    np.testing.assert_allclose(model.encode(x).mean(), np.load(_path("vae_means.npy")), atol=1e-6)
    assert (model.beta.final, model.beta.duration) == (2.0, 4)


def test_removed_networks_are_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"saved by tfvae 0.1 with \['salient_components'\], research options"):
        keras.models.load_model(_path("contrastive_mixture_prior.keras"))


def test_other_forms_of_the_swap_penalty_load_with_a_warning():
    config = {"input_shape": [8, 8, 1], "salient_dim": 2, "background_dim": 2, "invariance_weight": 5.0,
              "invariance_relative": False, "invariance_temperature": 0.5}
    with pytest.warns(UserWarning, match="invariance_relative.*invariance_temperature"):
        translated = legacy.contrastive_config(config)
    assert translated["decoder"] == "joint" and translated["regularizers"][0]["config"]["weight"] == 5.0 / 64
    assert "invariance_relative" not in translated
