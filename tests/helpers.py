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


def toy_contrastive_data(n=256, seed=0):
    """Targets: 8x8 digits 0/1 scaled by 0.5 over noise backgrounds; backgrounds:
    noise alone. Returns `(targets, backgrounds, labels)`, float32 in [0, 1]."""
    import pipelines

    x, y = pipelines.digits_8x8("all")
    keep = y < 2
    digits, labels = x[keep][:n], y[keep][:n]
    rng = np.random.default_rng(seed)
    noise = lambda m: (rng.uniform(0, 0.5, size=(m, 8, 8, 1)) * rng.uniform(0.2, 1.0, size=(m, 1, 1, 1))).astype("float32")
    target = np.clip(noise(len(digits)) + 0.5 * digits, 0, 1).astype("float32")
    return target, noise(len(digits)), labels


def tiny_contrastive(**kwargs):
    """A small 8x8 ContrastiveVAE (mlp, 2 + 2 latents, no regularizers unless given)."""
    from tfvae import ContrastiveVAE

    options = dict(architecture="mlp", network_kwargs={"hidden_units": (32,)}, likelihood="continuous_bernoulli",
                   regularizers=[], seed=0)
    return ContrastiveVAE((8, 8, 1), 2, 2, **{**options, **kwargs})


def terms_with_and_without(regularizer, batch, **kwargs):
    """The loss terms of a batch for two tiny models with the same weights, one with
    `regularizer`: `(plain_terms, regularized_terms, regularized_model)`."""
    plain, regularized = tiny_contrastive(**kwargs), tiny_contrastive(regularizers=[regularizer], **kwargs)
    for role in ("salient_encoder", "background_encoder", "decoder", "likelihood"):
        getattr(regularized, role).set_weights(getattr(plain, role).get_weights())
    return plain._loss_terms(batch, training=False), regularized._loss_terms(batch, training=False), regularized


def without_names(config):
    """A config with every auto-generated `"name"` removed (two instances of one
    model differ only there)."""
    if isinstance(config, dict):
        return {k: without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [without_names(v) for v in config]
    return config


def tiny_model_config(folder, **arguments):
    """`["--model-config", PATH]` of a YAML file with small mlp networks (and any
    other constructor `arguments`), for fast command-line runs."""
    import yaml

    path = f"{folder}/tiny_model.yaml"
    config = {"architecture": "mlp", "network_kwargs": {"hidden_units": [16]}, **arguments}
    with open(path, "w") as f:
        yaml.safe_dump(config, f)
    return ["--model-config", path]


def read_summaries(run_dir):
    """Returns tag -> (plugin name, {step: value}) for the TensorBoard event files of
    a run folder (e.g. `logs/train`)."""
    import tensorflow as tf
    from tensorboard.backend.event_processing import event_accumulator

    accumulator = event_accumulator.EventAccumulator(
        str(run_dir), size_guidance={kind: 0 for kind in event_accumulator.DEFAULT_SIZE_GUIDANCE}
    )
    accumulator.Reload()
    return {
        tag: (
            accumulator.SummaryMetadata(tag).plugin_data.plugin_name,
            {event.step: tf.make_ndarray(event.tensor_proto) for event in accumulator.Tensors(tag)},
        )
        for tag in accumulator.Tags()["tensors"]
    }
