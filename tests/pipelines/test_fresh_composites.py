"""composite_pairs: exact crops from disjoint regions, fresh per element, seeded, checked."""

import numpy as np
import pytest
import tensorflow as tf

import pipelines
from pipelines.blending import quantize
from tests.pipelines.test_foreground import SIZE, _corners, _digits, _texture


def _take(dataset, num):
    """The first `num` elements of a stream as a dict of numpy arrays."""
    return {k: v.numpy() for k, v in next(iter(dataset.batch(num))).items()}


@pytest.mark.parametrize("blend", ["additive", pipelines.AlphaBlend(0.7, 0.9)])
def test_targets_are_blends_over_exact_crops_from_their_regions(blend):
    digits, labels = _digits(num=6)
    pairs = _take(pipelines.composite_pairs(digits, labels, _texture(), blend=blend, seed=0), 60)
    texture = quantize(_texture().astype(np.float32))
    assert pairs["target"].shape == pairs["background"].shape == (60, 10, 10, 1)
    # Background-only crops: exact crops of the right half (LEFT_HALF / RIGHT_HALF default).
    corners = _corners(pairs["background"])
    for (r, c), crop in zip(corners, pairs["background"]):
        np.testing.assert_array_equal(crop[..., 0], texture[r : r + 10, c : c + 10])
    assert corners[:, 1].min() >= SIZE // 2 and corners[:, 1].max() + 10 <= SIZE
    # Targets: the same blend as the numpy path, over some crop of the left half.
    blend = pipelines.blending.get_blend(blend)
    for target, label in zip(pairs["target"], pairs["label"]):
        digit = digits[np.flatnonzero(labels == label)]
        candidates = [
            blend(d[..., None].astype(np.float64), texture[r : r + 10, c : c + 10, None].astype(np.float64))
            for d in digit for r in range(SIZE - 9) for c in range(SIZE // 2 - 9)
        ]
        assert min(np.abs(target - x).max() for x in candidates) < 1e-6


def test_every_pass_lays_the_foregrounds_over_new_crops():
    digits, labels = _digits(num=4)
    labels = np.arange(4)
    pairs = _take(pipelines.composite_pairs(digits, labels, _texture(), seed=0), 40)  # 10 passes
    np.testing.assert_array_equal(np.sort(pairs["label"].reshape(10, 4), axis=1), np.tile(np.arange(4), (10, 1)))
    for label in range(4):
        shown = pairs["target"][pairs["label"] == label]  # (10, 10, 10, 1), the same digit
        assert len({x.tobytes() for x in shown}) == 10
    assert len({tuple(c) for c in _corners(pairs["background"])}) > 35


def test_crops_are_drawn_over_boxes_in_proportion_to_their_positions():
    digits, _ = _digits(num=3)
    # Background: an 11x10 box (2 positions) and a 12x12 box (9 positions).
    background = [(0.0, 0.5, 11 / SIZE, 10 / SIZE), (0.5, 0.5, 12 / SIZE, 12 / SIZE)]
    pairs = _take(pipelines.composite_pairs(digits, None, _texture(), background_region=background, seed=3), 2000)
    corners = _corners(pairs["background"])
    in_small = corners[:, 0] < SIZE // 2
    assert {tuple(c) for c in corners[in_small]} <= {(0, 24), (1, 24)}
    assert {tuple(c) for c in corners[~in_small]} == {(24 + i, 24 + j) for i in range(3) for j in range(3)}
    assert abs(in_small.mean() - 2 / 11) < 0.03  # 3.5 standard errors
    assert "label" not in pairs


def test_several_textures_of_different_sizes():
    digits, labels = _digits(num=5)
    small = np.full((30, 24), 0.25)
    pairs = _take(pipelines.composite_pairs(digits, labels, [_texture(), small], seed=0), 400)
    from_small = np.all(pairs["background"] == quantize(np.float32(0.25)), axis=(1, 2, 3))
    assert 0.4 < from_small.mean() < 0.6  # textures drawn uniformly
    assert np.all(pairs["background"] <= 1.0) and np.all(pairs["background"] >= 0.0)  # never the padding


def test_the_stream_is_reproducible_under_a_seed_and_runs_in_the_graph():
    digits, labels = _digits()
    runs = [_take(pipelines.composite_pairs(digits, labels, _texture(), seed=s), 50) for s in (1, 1, 2)]
    for key in ("target", "background", "label"):
        np.testing.assert_array_equal(runs[0][key], runs[1][key])
    assert not np.array_equal(runs[0]["background"], runs[2]["background"])
    dataset = pipelines.composite_pairs(digits, labels, _texture(), seed=1)
    assert dataset.cardinality() == tf.data.INFINITE_CARDINALITY
    assert dataset.element_spec["target"] == tf.TensorSpec((10, 10, 1), tf.float32)
    assert dataset.element_spec["label"] == tf.TensorSpec((), tf.int64)


def test_mnist_on_grass_pairs_follow_the_split_regions():
    pairs = _take(pipelines.mnist_on_grass_pairs("test", digits=(0, 1), seed=0), 64)
    assert pairs["target"].shape == (64, 28, 28, 1) and set(pairs["label"]) <= {0, 1}
    fixed = pipelines.mnist_on_grass("test", digits=(0, 1), seed=0)
    # The background-only crops look like the fixed set's (same tiles of the same texture).
    assert abs(pairs["background"].mean() - fixed.background["x"].mean()) < 0.03
    with pytest.raises(ValueError, match="split"):
        pipelines.mnist_on_grass_pairs("validation")
