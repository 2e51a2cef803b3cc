"""One shared helper for layer/model tests: config round trips and one training step."""

import keras
import numpy as np


def assert_layer_config_round_trip(layer):
    """`from_config(get_config())` rebuilds an equal config."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def assert_model_config_round_trip(model, x, seed=0):
    """Rebuilds `model` from its config (through Keras serialization) and checks that,
    with the weights copied, it gives the same ELBO for a fixed noise seed."""
    config = keras.saving.serialize_keras_object(model)
    clone = keras.saving.deserialize_keras_object(config)
    assert keras.saving.serialize_keras_object(clone)["config"] == config["config"]
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.elbo(x, seed=seed), model.elbo(x, seed=seed), rtol=1e-5, atol=1e-4)
    return clone


def train_one_step(model, x, learning_rate=1e-3):
    """Compiles `model`, runs one `fit` step on `x` and returns (logs, weights changed)."""
    before = [w.copy() for w in model.get_weights()]
    model.compile(keras.optimizers.Adam(learning_rate))
    history = model.fit(x, batch_size=len(x), epochs=1, verbose=0)
    changed = any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    return {k: v[-1] for k, v in history.history.items()}, changed
