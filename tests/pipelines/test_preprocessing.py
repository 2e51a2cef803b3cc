"""batch_pipeline: scaling, binarization, determinism, per-worker sharding, training input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import pipelines
import tfvae


def _epochs(data, n=2, key="label"):
    return [np.concatenate([b[key].numpy() for b in data]) for _ in range(n)]


def test_scale_to_unit_divides_integers_and_keeps_floats(images):
    x, y = images
    batch = next(iter(pipelines.batch_pipeline({"x": x, "label": y}, 12, shuffle=False)))
    assert batch["x"].dtype == tf.float32 and batch["label"].dtype == tf.int64
    np.testing.assert_array_equal(batch["x"].numpy(), x.astype(np.float32) / np.float32(255.0))
    floats = np.linspace(0, 1, 12, dtype=np.float32).reshape(12, 1)
    np.testing.assert_array_equal(next(iter(pipelines.batch_pipeline(floats, 12, shuffle=False)))["x"].numpy(), floats)


def test_same_seed_same_batches_new_order_each_epoch(images):
    x, y = images
    runs = [_epochs(pipelines.batch_pipeline({"x": x, "label": y}, 5, seed=s)) for s in (7, 7, 8)]
    for epoch in range(2):
        np.testing.assert_array_equal(runs[0][epoch], runs[1][epoch])
        np.testing.assert_array_equal(np.sort(runs[0][epoch]), y)
    assert not np.array_equal(runs[0][0], runs[0][1])  # reshuffled each epoch
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_dynamic_binarization_is_bernoulli_fresh_each_epoch_and_seeded():
    p = 0.3
    x = np.full((64, 8, 8, 1), p, np.float32)
    draws = [_epochs(pipelines.batch_pipeline(x, 16, seed=s, binarize=True), key="x") for s in (1, 1)]
    first = draws[0][0]
    assert set(np.unique(first)) == {0.0, 1.0}
    standard_error = np.sqrt(p * (1 - p) / first.size)
    assert abs(first.mean() - p) < 4 * standard_error
    assert not np.array_equal(draws[0][0], draws[0][1])  # a new draw every epoch
    np.testing.assert_array_equal(draws[0][1], draws[1][1])  # reproducible under the seed


def test_two_workers_cover_every_example_exactly_once():
    y = np.arange(23)
    seen = []
    for worker in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=worker, num_replicas_in_sync=4)
        fields = {"x": y[:, None].astype("float32"), "label": y}
        batches = list(pipelines.batch_pipeline(fields, 8, seed=0, input_context=context))
        assert max(len(b["label"]) for b in batches) == 2  # per-replica batch = 8 / 4
        seen.append(np.concatenate([b["label"].numpy() for b in batches]))
    assert len(set(seen[0]) & set(seen[1])) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate(seen)), y)


def test_bad_batch_size():
    with pytest.raises(ValueError, match="global_batch_size"):
        pipelines.batch_pipeline(np.zeros((4, 2), "float32"), 0)


def test_vae_trains_on_pipeline_batches():
    x, _ = pipelines.digits_8x8("train")
    model = tfvae.VAE((8, 8, 1), 2, network_kwargs={"hidden_units": (16,)}, seed=0)
    model.compile(keras.optimizers.Adam(1e-2))
    data = pipelines.batch_pipeline(x[:256], 32, seed=0, binarize=True, cache=True)
    history = model.fit(data, epochs=2, shuffle=False, verbose=0).history
    assert np.all(np.isfinite(history["elbo"])) and history["elbo"][1] > history["elbo"][0]
