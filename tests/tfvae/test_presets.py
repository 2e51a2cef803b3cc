"""Presets: the defaults are the recommended recipe; each published method is named data."""

import keras
import pytest
import tensorflow as tf
from helpers import assert_model_config_round_trip, toy_contrastive_data, without_names

from tfvae import ContrastiveVAE, presets, regularizers
from tfvae.layers import LowRankNormal, Normal

TARGET, BACKGROUND, _ = toy_contrastive_data(32)
BATCH = {"target": tf.constant(TARGET[:8]), "background": tf.constant(BACKGROUND[:8])}
SMALL = {"network_kwargs": {"filters": (4, 8), "dense_units": 8}}


def test_the_constructors_defaults_are_the_recommended_preset():
    plain = ContrastiveVAE((8, 8, 1), 2, 3)
    preset = ContrastiveVAE.from_preset("recommended", (8, 8, 1), 2, 3)
    assert without_names(plain.get_config()) == without_names(preset.get_config())
    assert presets.PRESETS["recommended"].arguments == {}
    # What the recommended recipe is: conv networks for images, an additive decoder, a
    # low-rank background covariance over the last 60% of the fit (on 256 values or more),
    # the relative swap invariance at 100 / 784 per value where values add as layers.
    assert plain.architecture == "conv" and plain.decoder_kind == "additive"
    [invariance] = plain.regularizers
    assert isinstance(invariance, regularizers.BackgroundSwapInvariance) and invariance.weight.final == 100.0 / 784
    assert ContrastiveVAE((30,), 2, 3).architecture == "mlp"  # vectors
    # Rank 16 and an invariance of 100 on 28x28 images (as tuned); 64 values: no covariance, a global scale.
    assert not isinstance(plain.likelihood, LowRankNormal) and plain.likelihood.scale == "global"
    mnist = ContrastiveVAE((28, 28, 1), 2, 3)
    start = mnist.likelihood.start
    assert isinstance(mnist.likelihood, LowRankNormal) and (start.start, start.unit) == (0.4, "fit")
    assert mnist.likelihood.rank == 16 and abs(mnist.regularizers[0].weight.final * 784 - 100.0) < 1e-9
    # Counts do not add as layers: no swap penalty by default; an explicit one is kept.
    assert ContrastiveVAE((30,), 2, 3, likelihood="negative_binomial").regularizers == []
    assert ContrastiveVAE((30,), 2, 3, likelihood="poisson", regularizers=[invariance]).regularizers == [invariance]


@pytest.mark.parametrize("name", sorted(presets.PRESETS))
def test_every_preset_builds_trains_and_round_trips(name):
    preset = presets.PRESETS[name]
    assert preset.description and preset.reference
    model = ContrastiveVAE.from_preset(name, (8, 8, 1), 2, 3, seed=0, **SMALL)
    model.compile(keras.optimizers.Adam(1e-3))
    history = model.fit(tf.data.Dataset.from_tensors(BATCH), epochs=1, verbose=0).history
    assert {r.term for r in model.regularizers} <= set(history)
    assert_model_config_round_trip(model, TARGET[:4])


def test_published_presets_follow_their_papers():
    tc = ContrastiveVAE.from_preset("abid_zou_2019", (8, 8, 1), 2, 3, **SMALL)
    assert tc.decoder_kind == "joint" and isinstance(tc.likelihood, Normal) and tc.likelihood.scale == "global"
    assert [type(r).__name__ for r in tc.regularizers] == ["TotalCorrelation"]
    assert tc.regularizers[0].discriminator.hidden_units == ()  # a linear discriminator, weight 1
    mm = ContrastiveVAE.from_preset("mm_cvae", (8, 8, 1), 2, 3, **SMALL)
    assert [(type(r).__name__, r.weight.final) for r in mm.regularizers] == [("BackgroundMMD", 80.0), ("SalientMMD", 8.0)]
    vi = ContrastiveVAE.from_preset("contrastive_vi", (8, 8, 1), 2, 3, **SMALL)
    assert [(type(r).__name__, r.weight.final) for r in vi.regularizers] == [("Wasserstein", 10.0)]


def test_presets_take_overrides_and_give_fresh_objects():
    model = ContrastiveVAE.from_preset("contrastive_vi", (30,), 2, 3, likelihood="negative_binomial", beta=0.5)
    assert type(model.likelihood).__name__ == "NegativeBinomial" and model.beta.final == 0.5
    first, second = presets.preset_kwargs("mm_cvae"), presets.preset_kwargs("mm_cvae")
    assert first["regularizers"][0] is not second["regularizers"][0]
    assert "recommended:" in presets.describe() and "mm_cvae:" in presets.describe()
    with pytest.raises(ValueError, match="unknown preset 'pca'; presets: recommended, abid_zou_2019"):
        ContrastiveVAE.from_preset("pca", (8, 8, 1), 2, 3)
