"""The images family: reproducible draws, varied settings, exact ground truth, no leaks
between train and test or between targets and background-only examples."""

import json

import numpy as np
import pytest

from pipelines.blending import quantize
from pipelines.crops import region_boxes
from pipelines.families import images
from pipelines.mnist_on_grass import SPLIT_REGIONS

SMALL_SEED = 22  # draws 372 objects on 8x8 images: a full `draw` that stays cheap


def _small(seed=0, **overrides):
    """The params drawn from `seed`, with tiny sets and any `overrides`."""
    params = images._draw_params(seed)
    params.update(num_train_targets=24, num_train_backgrounds=18, num_test_targets=15, num_test_backgrounds=12)
    params.update(overrides)
    if "image_side" in overrides or "background" in overrides:
        params["texture_zoom"] = images._smallest_zoom(params["background"], params["image_side"], 0.5)
    return params


def _with_source(source, num_classes=3, **overrides):
    classes = images._class_names(source)[:num_classes]
    return _small(source=source, classes=classes, num_classes=num_classes, **overrides)


def _placed(params, split):
    """The foregrounds, as laid on each target of `split` before blending, and their labels."""
    pool, index, labels, offsets = images._plan(params, split, params[f"num_{split}_targets"])
    return images._place(pool[index], offsets, params["image_side"]), labels


def _find(texture, crop):
    """The top-left corner of `crop` `(h, w)` in `texture`, or None."""
    h, w = crop.shape
    windows = np.lib.stride_tricks.sliding_window_view(texture, (h, w))  # (H - h + 1, W - w + 1, h, w)
    rows, cols = np.nonzero(texture[: windows.shape[0], : windows.shape[1]] == crop[0, 0])
    for row, col in zip(rows, cols):
        if np.array_equal(windows[row, col], crop):
            return row, col
    return None


def _inside(corner, size, boxes):
    row, col = corner
    return any(top <= row and row + size <= bottom and left <= col and col + size <= right for top, left, bottom, right in boxes)


def test_draw_is_reproducible_and_fills_the_setting():
    first, second = images.draw(SMALL_SEED), images.draw(SMALL_SEED)
    assert first.family == "images" and first.seed == SMALL_SEED and first.likelihood is None
    assert first.params == second.params and json.loads(json.dumps(first.params)) == first.params
    for a, b in ((first.train, second.train), (first.test, second.test)):
        for part in ("target", "background"):
            assert getattr(a, part).keys() == getattr(b, part).keys()
            for key in getattr(a, part):
                np.testing.assert_array_equal(getattr(a, part)[key], getattr(b, part)[key])
    side = first.params["image_side"]
    assert first.salient_dim == 2 and first.background_dim == (16 if side >= 16 else 8)
    assert first.train.target["x"].shape == (first.params["num_train_targets"], side, side, 1)
    assert first.train.background["x"].shape[0] == first.params["num_train_backgrounds"]
    assert first.test.target["x"].shape[0] == first.test.background["x"].shape[0] == images.TEST_SIZE


def test_seeds_draw_varied_settings_within_their_ranges():
    drawn = [images._draw_params(seed) for seed in range(40)]
    assert len({json.dumps(p, sort_keys=True) for p in drawn}) == 40
    assert {p["source"] for p in drawn} == set(images.SOURCES)
    assert {p["blend"] for p in drawn} == set(images.BLENDS)
    assert len({p["image_side"] for p in drawn}) >= 8 and len({p["background"] for p in drawn}) >= 5
    for p in drawn:
        assert 2 <= p["num_classes"] <= 5 and len(set(p["classes"])) == p["num_classes"]
        assert p["image_side"] % 4 == 0 and 8 <= p["image_side"] <= 64
        assert 0.5 <= p["foreground_fraction"] <= 0.9 and 0.0 <= p["jitter"] <= 0.25
        assert 300 <= p["num_train_targets"] <= 20000 and 0.5 <= p["background_ratio"] <= 2.0
        assert p["num_train_backgrounds"] == round(p["num_train_targets"] * p["background_ratio"])
        assert 0.25 <= p["blend_params"].get("scale", 0.25) <= 0.6


@pytest.mark.parametrize("source", images.SOURCES)
def test_arrays_have_their_shapes_range_and_every_class(source):
    params = _with_source(source, num_classes=4, image_side=16, background="brick")
    train, test = images.make(params)
    for data, split in ((train, "train"), (test, "test")):
        x, labels = data.target["x"], data.target["label"]
        assert x.shape == (params[f"num_{split}_targets"], 16, 16, 1) and x.dtype == np.float32
        assert data.background["x"].shape == (params[f"num_{split}_backgrounds"], 16, 16, 1)
        assert labels.dtype == np.int64 and set(labels) == set(range(4))
        for array in (x, data.background["x"]):
            assert array.dtype == np.float32 and 0.0 <= array.min() and array.max() <= 1.0
    assert set(train.target) == {"x", "label"} and test.target["background"].shape == test.target["x"].shape


@pytest.mark.parametrize("source", images.SOURCES)
def test_train_and_test_share_no_foreground_instance(source):
    params = _with_source(source, num_classes=5, image_side=12)
    pools = [images._plan(params, split, 40)[0] for split in ("train", "test")]
    train_instances = {image.tobytes() for image in pools[0]}
    assert not any(image.tobytes() in train_instances for image in pools[1])
    assert len({image.tobytes() for image in pools[1]}) == len(pools[1])  # no two instances alike


def test_additive_targets_differ_from_their_background_only_under_the_foreground():
    params = _with_source("mnist", blend="additive", blend_params={"scale": 0.4}, background="grass", image_side=20)
    _, test = images.make(params)
    placed, labels = _placed(params, "test")
    np.testing.assert_array_equal(labels, test.target["label"])
    difference = (test.target["x"] - test.target["background"])[..., 0]
    assert not difference[placed == 0].any()
    visible = (placed > 0.1) & (test.target["background"][..., 0] < 0.9)
    assert visible.sum() > 100 and (difference[visible] > 0).all()


@pytest.mark.parametrize("blend, blend_params", [("alpha", {"opacity": 0.8, "color": 0.0}), ("multiplicative", {"strength": 0.7})])
def test_other_blends_touch_only_the_foreground(blend, blend_params):
    params = _with_source("shapes", blend=blend, blend_params=blend_params, background="gravel", image_side=16)
    _, test = images.make(params)
    placed, _ = _placed(params, "test")
    x, crops = test.target["x"][..., 0], test.target["background"][..., 0]
    np.testing.assert_array_equal(x[placed == 0], crops[placed == 0])
    if blend == "multiplicative":
        np.testing.assert_allclose(x, crops * (1 - 0.7 * placed), atol=2.0**-16)
    assert (x <= crops).all()  # both darken here: a black occluder, a shadow


def test_background_examples_are_plain_crops_from_their_own_regions():
    params = _with_source("digits_8x8", background="moon", image_side=8)
    texture = quantize(images._texture(params).astype(np.float32))
    for split, data in zip(("train", "test"), images.make(params)):
        target_region, background_region = (region_boxes(texture.shape, r) for r in SPLIT_REGIONS[split])
        for crop in data.background["x"][..., 0]:
            corner = _find(texture, crop)
            assert corner is not None and _inside(corner, 8, background_region)
            assert not _inside(corner, 8, target_region)
        if split == "test":
            for crop in data.target["background"][..., 0]:
                corner = _find(texture, crop)
                assert corner is not None and _inside(corner, 8, target_region)


def test_texture_is_zoomed_enough_for_the_crops():
    params = _small(background="text", image_side=64)
    rows, cols = images._texture(params).shape
    assert min(rows, cols) * 0.25 >= 2 * 64 + 2
    images.make(params)  # every region holds crops


def test_too_few_targets_for_the_classes_fail():
    params = _with_source("shapes", num_classes=3, num_test_targets=2)
    with pytest.raises(ValueError, match="at least 3 targets"):
        images.make(params)
