"""Contrastive pairs: balanced epochs from sets of different sizes, checked specs, seeds."""

import collections

import numpy as np
import pytest
import tensorflow as tf

import pipelines


def _sets(num_target, num_background, shape=(4, 4, 1)):
    """Target/background arrays whose first pixel is the example's index."""
    target = np.zeros((num_target, *shape), np.float32)
    target.reshape(num_target, -1)[:, 0] = np.arange(num_target)
    background = np.zeros((num_background, *shape), np.float32)
    background.reshape(num_background, -1)[:, 0] = 100 + np.arange(num_background)
    return {"x": target, "label": np.arange(num_target) % 3, "foreground": target}, {"x": background}


def _ids(pairs):
    batch = next(iter(pairs.batch(1000)))
    return batch, batch["target"].numpy()[:, 0, 0, 0].astype(int), batch["background"].numpy()[:, 0, 0, 0].astype(int)


@pytest.mark.parametrize(
    "num_target, num_background, buffer, as_dataset",
    [(10, 3, 10_000, False), (3, 10, 10_000, False), (10, 3, 4, False), (10, 3, 10_000, True)],
)
def test_neither_set_biases_an_epoch(num_target, num_background, buffer, as_dataset):
    target, background = _sets(num_target, num_background)
    if as_dataset:  # the general path: whole examples shuffled, then zipped and flattened
        target = tf.data.Dataset.from_tensor_slices(target)
    pairs = pipelines.contrastive_pairs(target, background, seed=0, shuffle_buffer=buffer)
    batch, target_ids, background_ids = _ids(pairs)
    assert len(target_ids) == 10 and sorted(batch) == ["background", "label", "target"]
    for ids, size, offset in ((target_ids, num_target, 0), (background_ids, num_background, 100)):
        counts = collections.Counter(ids)
        assert sorted(counts) == list(range(offset, offset + size))  # every example appears
        assert max(counts.values()) - min(counts.values()) <= 1  # and none more than once extra
    np.testing.assert_array_equal(batch["label"].numpy(), target_ids % 3)  # labels follow their targets


def test_pairs_are_reproducible_under_a_seed():
    target, background = _sets(20, 20)
    runs = [_ids(pipelines.contrastive_pairs(target, background, seed=s))[1:] for s in (5, 5, 6)]
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[2][0])
    assert not np.array_equal(runs[0][0] + 100, runs[0][1])  # independent permutations


def test_mismatched_shapes_name_both_shapes():
    target, _ = _sets(4, 1)
    with pytest.raises(ValueError) as info:
        pipelines.contrastive_pairs(target, np.zeros((4, 5, 5, 1), np.float32))
    assert "(4, 4, 1)" in str(info.value) and "(5, 5, 1)" in str(info.value)
    with pytest.raises(ValueError, match="float32.*uint8"):
        pipelines.contrastive_pairs(target, np.zeros((4, 4, 4, 1), np.uint8))


def test_bad_sources_fail_at_construction():
    target, background = _sets(4, 4)
    with pytest.raises(ValueError, match="empty"):
        pipelines.contrastive_pairs(target, np.zeros((0, 4, 4, 1), np.float32))
    bad = dict(target, x=np.where(target["x"] == 2, np.nan, target["x"]))
    with pytest.raises(ValueError, match="NaN"):
        pipelines.contrastive_pairs(bad, background)
    stream = tf.data.Dataset.from_tensor_slices(background["x"]).filter(lambda x: True)  # unknown size
    with pytest.raises(ValueError, match="epoch_size"):
        pipelines.contrastive_pairs(target, stream)
    assert len(list(pipelines.contrastive_pairs(target, stream, epoch_size=6))) == 6


def test_paired_benchmark_batches(grass_train):
    batch = next(iter(pipelines.batch_pipeline(grass_train.pairs(seed=0), 16, shuffle=False)))
    assert batch["target"].shape == batch["background"].shape == (16, 28, 28, 1)
    assert batch["label"].dtype == tf.int64
