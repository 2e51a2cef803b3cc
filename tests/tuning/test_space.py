"""Search spaces: defaults, overrides, the values Keras Tuner sees, and clear errors."""

import keras_tuner
import pytest

from tfvae.models.regularizers import BackgroundMMD, SalientMMD
from tfvae.schedules import Ramp
from tuning import space as space_lib
from tuning.hypermodels import ContrastiveVAEHyperModel, VAEHyperModel


def declared(parameters, overrides=None):
    """The space's hyperparameters as Keras Tuner records them, by name."""
    hp = keras_tuner.HyperParameters()
    space_lib.SearchSpace(parameters, overrides).declare(hp)
    return {p.name: p for p in hp.space}


def test_defaults_tune_latent_dim_and_log_uniform_learning_rate():
    hps = declared(space_lib.VAE_PARAMETERS)
    assert type(hps["latent_dim"]).__name__ == "Int"
    assert (hps["latent_dim"].min_value, hps["latent_dim"].max_value) == (2, 16)
    assert hps["learning_rate"].sampling == "log"
    assert (hps["learning_rate"].min_value, hps["learning_rate"].max_value) == (1e-4, 1e-2)
    assert type(hps["beta"]).__name__ == "Fixed" and hps["beta"].value == 1.0


def test_contrastive_space_has_separate_salient_and_background_dimensions():
    space = space_lib.SearchSpace(space_lib.CONTRASTIVE_PARAMETERS)
    assert space.tuned() == ["salient_dim", "background_dim", "learning_rate"]
    assert set(space.specs) == {"salient_dim", "background_dim", "learning_rate", "beta"}


def test_regularizer_weights_are_parameters_fixed_at_their_weights():
    parameters = space_lib.contrastive_parameters([BackgroundMMD(80.0), SalientMMD(Ramp(8.0, start=10))])
    specs = space_lib.SearchSpace(parameters).specs
    assert specs["mmd_background_weight"] == {"type": "fixed", "value": 80.0}
    assert specs["mmd_salient_weight"] == {"type": "fixed", "value": 8.0}  # a ramp's value


def test_overrides_give_ranges_choices_and_fixed_values():
    hps = declared(
        space_lib.contrastive_parameters([BackgroundMMD(80.0)]),
        {
            "salient_dim": [2, 4],
            "background_dim": 3,
            "beta": (0.5, 4.0),
            "mmd_background_weight": {"min": 0.0, "max": 10.0},
            "learning_rate": {"min": 1e-3, "max": 1e-2, "sampling": "linear"},
        },
    )
    assert hps["salient_dim"].values == [2, 4]
    assert type(hps["background_dim"]).__name__ == "Fixed" and hps["background_dim"].value == 3
    assert hps["beta"].sampling == "log"  # beta's declared sampling
    assert hps["mmd_background_weight"].sampling == "linear" and hps["mmd_background_weight"].max_value == 10.0
    assert hps["learning_rate"].sampling == "linear"


def test_sampled_values_stay_inside_the_declared_range():
    space = space_lib.SearchSpace(space_lib.VAE_PARAMETERS, {"latent_dim": (3, 5)})
    hp = keras_tuner.HyperParameters()
    space.declare(hp)
    for seed in range(20):
        values = {p.name: p.random_sample(seed) for p in hp.space}
        assert 3 <= values["latent_dim"] <= 5 and isinstance(values["latent_dim"], int)
        assert 1e-4 <= values["learning_rate"] <= 1e-2


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"latnt_dim": (2, 4)}, r"unknown hyperparameters \['latnt_dim'\]; this model tunes"),
        ({"latent_dim": (8, 2)}, "latent_dim: a range needs low < high"),
        ({"latent_dim": (4, 4)}, "Give a single value to fix it"),
        ({"latent_dim": 0}, "latent_dim: values must be >= 1; got 0"),
        ({"latent_dim": 2.5}, "latent_dim: expected an integer"),
        ({"latent_dim": "8"}, "latent_dim: expected a finite number, got '8'"),
        ({"latent_dim": True}, "expected a finite number"),
        ({"latent_dim": (2, 4, 8)}, r"a range tuple is \(low, high\)"),
        ({"latent_dim": []}, "a choice list needs at least one value"),
        ({"latent_dim": [2, 2]}, "choices must be distinct"),
        ({"learning_rate": 0.0}, "learning_rate: values must be > 0"),
        ({"learning_rate": (-1e-3, 1e-2)}, "learning_rate: values must be > 0"),
        ({"learning_rate": float("nan")}, "expected a finite number"),
        ({"beta": -1.0}, "beta: values must be >= 0"),
        ({"beta": (0.0, 4.0)}, "a log-uniform range needs low > 0"),
        ({"beta": {"min": 1.0}}, "a range dict needs keys 'min' and 'max'"),
        ({"beta": {"min": 1.0, "max": 2.0, "scale": 3}}, "a range dict needs keys"),
        ({"beta": {"min": 1.0, "max": 2.0, "sampling": "cubic"}}, "sampling must be one of"),
        ({"beta": {"min": 1.0, "max": 2.0, "step": 0}}, "beta: step must be positive"),
    ],
)
def test_bad_values_are_rejected_with_the_parameter_named(overrides, message):
    with pytest.raises(ValueError, match=message):
        space_lib.SearchSpace(space_lib.VAE_PARAMETERS, overrides)


def test_negative_regularizer_weight_is_rejected():
    with pytest.raises(ValueError, match="invariance_weight: values must be >= 0"):
        ContrastiveVAEHyperModel((30,), space={"invariance_weight": (-1.0, 1.0)})


def test_weights_of_regularizers_the_preset_lacks_are_unknown():
    with pytest.raises(ValueError, match=r"unknown hyperparameters \['tc_weight'\]; this model tunes"):
        ContrastiveVAEHyperModel((30,), space={"tc_weight": 1.0})


def test_model_kwargs_cannot_fix_a_search_space_parameter():
    with pytest.raises(ValueError, match=r"model_kwargs \['beta'\] are search-space parameters"):
        VAEHyperModel((8, 8, 1), model_kwargs={"beta": 2.0})


def test_unknown_objective_is_rejected():
    with pytest.raises(ValueError, match=r"objective must be one of \['elbo', 'silhouette'\] for ContrastiveVAE"):
        ContrastiveVAEHyperModel((30,)).objective("iwae")
