"""The contrastive HyperModel builds its preset, with each trial's regularizer weights."""

import keras_tuner
import pytest

import tfvae
from tfvae.models.regularizers import BackgroundMMD, BackgroundSwapInvariance, SalientMMD, Wasserstein
from tfvae.schedules import Ramp
from tuning import ContrastiveVAEHyperModel

SHAPE = (30,)
SIZES = {"salient_dim": 2, "background_dim": 2}


def build_each(hypermodel, name, values):
    """The models `hypermodel` builds for the trials where parameter `name` takes each of `values`."""
    hp = keras_tuner.HyperParameters()
    hypermodel.space.declare(hp)
    models = []
    for value in values:
        hp.values[name] = value
        models.append(hypermodel.build(hp))
    return models


def test_trials_build_the_presets_regularizers_with_their_weights(tiny):
    hypermodel = ContrastiveVAEHyperModel(SHAPE, space={**SIZES, "invariance_weight": [1.0, 10.0]}, model_kwargs=tiny)
    assert hypermodel.space.tuned() == ["learning_rate", "invariance_weight"]
    models = build_each(hypermodel, "invariance_weight", [1.0, 10.0])
    for model, weight in zip(models, [1.0, 10.0]):
        (regularizer,) = model.regularizers
        assert isinstance(regularizer, BackgroundSwapInvariance) and regularizer.weight.value == weight
    assert models[0].regularizers[0] is not models[1].regularizers[0]
    # The rest is the recommended preset: the constructor's defaults.
    default = tfvae.ContrastiveVAE(models[0].data_shape, models[0].salient_dim, models[0].background_dim)
    assert models[0].decoder_kind == "additive" and type(models[0].likelihood) is type(default.likelihood)


def test_mm_cvae_tunes_its_two_mmd_weights_and_keeps_its_recipe(tiny):
    hypermodel = ContrastiveVAEHyperModel(SHAPE, preset="mm_cvae", space=SIZES, model_kwargs=tiny)
    specs = hypermodel.space.specs
    assert set(specs) == {"salient_dim", "background_dim", "learning_rate", "beta",
                          "mmd_background_weight", "mmd_salient_weight"}
    assert (specs["mmd_background_weight"]["value"], specs["mmd_salient_weight"]["value"]) == (80.0, 8.0)
    model = hypermodel.build(keras_tuner.HyperParameters())
    assert [(type(r), r.weight.value) for r in model.regularizers] == [(BackgroundMMD, 80.0), (SalientMMD, 8.0)]
    assert model.decoder_kind == "joint"


def test_model_kwargs_override_the_preset_and_may_replace_its_regularizers(tiny):
    regularizers = [Wasserstein(Ramp(5.0, start=10))]
    hypermodel = ContrastiveVAEHyperModel(
        SHAPE, preset="mm_cvae", space={**SIZES, "wasserstein_weight": [5.0, 2.0]},
        model_kwargs={**tiny, "likelihood": "normal", "regularizers": regularizers},
    )
    assert "mmd_background_weight" not in hypermodel.space.specs
    model = build_each(hypermodel, "wasserstein_weight", [2.0])[0]
    (regularizer,) = model.regularizers
    assert regularizer is not regularizers[0]
    assert regularizer.weight.get_config() == {"value": 2.0, "start": 10, "duration": 0, "unit": "step"}
    assert type(model.likelihood).__name__ == "Normal" and model.decoder_kind == "joint"


def test_unknown_preset_is_rejected_with_the_presets_named():
    with pytest.raises(ValueError, match="unknown preset 'abid_zou'; presets: " + ", ".join(tfvae.presets.PRESETS)):
        ContrastiveVAEHyperModel(SHAPE, preset="abid_zou")
