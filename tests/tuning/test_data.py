"""The data formats `tuning.search` accepts."""

import numpy as np
import pytest
import tensorflow as tf

from tuning import data as data_lib


def test_pairs_of_unequal_sets_cycle_the_background_and_keep_labels_aligned():
    target = np.arange(5, dtype="float32")[:, None]  # (5, 1)
    background = -np.arange(2, dtype="float32")[:, None]  # (2, 1)
    batches = list(data_lib.as_batches({"target": target, "background": background, "label": np.arange(5)}, 2))
    assert [len(b["target"]) for b in batches] == [2, 2, 1]
    np.testing.assert_array_equal(np.concatenate([b["target"] for b in batches]), target)
    np.testing.assert_array_equal(np.concatenate([b["background"] for b in batches])[:, 0], [0, -1, 0, -1, 0])
    np.testing.assert_array_equal(np.concatenate([b["label"] for b in batches]), np.arange(5))


def test_shuffled_batches_keep_every_example_once_per_epoch():
    x = np.arange(10, dtype="float32")[:, None]
    dataset = data_lib.as_batches(x, 4, shuffle_seed=0)
    epochs = [np.concatenate(list(dataset))[:, 0] for _ in range(2)]
    assert all(sorted(epoch) == list(range(10)) for epoch in epochs)
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled every epoch


def test_datasets_pass_through_and_give_their_example_shape():
    dataset = tf.data.Dataset.from_tensor_slices({"target": np.zeros((6, 30)), "background": np.zeros((6, 30))}).batch(3)
    assert data_lib.as_batches(dataset, 64) is dataset
    assert data_lib.example_shape(dataset, "target") == (30,)
    assert data_lib.held_out(dataset, "target") == (dataset, None)


def test_held_out_arrays_and_labels_come_from_dicts():
    x, labels = data_lib.held_out({"x": np.zeros((3, 8, 8, 1)), "label": [0, 1, 0]}, "x")
    assert x.shape == (3, 8, 8, 1) and labels.tolist() == [0, 1, 0]
    assert data_lib.example_shape({"x": x}, "x") == (8, 8, 1)


@pytest.mark.parametrize(
    "data, keys, message",
    [
        (np.zeros((4, 30)), ("target", "background"), r"missing \['target', 'background'\]"),
        ({"target": np.zeros((4, 30))}, ("target", "background"), r"missing \['background'\]"),
        ([[0.0, 1.0]], ("x",), "expected an array, a dict of arrays or a tf.data.Dataset; got list"),
    ],
)
def test_missing_keys_are_named(data, keys, message):
    with pytest.raises(ValueError, match=message):
        data_lib.check(data, keys, "train_data")
