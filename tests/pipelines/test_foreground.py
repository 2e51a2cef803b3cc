"""foreground_on_background: exact ground truth, disjoint texture regions, blends, errors
(the errors also for its streaming twin, composite_pairs)."""

import numpy as np
import pytest

import pipelines
from pipelines.blending import quantize

SIZE = 48  # texture side; every pixel value is unique, so a crop's corner gives its position


def _texture(channels=None):
    values = np.arange(SIZE * SIZE, dtype=np.float64).reshape(SIZE, SIZE) / (SIZE * SIZE - 1)
    return values if channels is None else np.repeat(values[..., None], channels, axis=-1) ** np.arange(1, channels + 1)


def _corners(crops):
    """Top-left (row, col) of each crop of `_texture()`, found from its first pixel."""
    grid = quantize(_texture().astype(np.float32))
    flat = np.searchsorted(grid.ravel(), crops[:, 0, 0, 0])
    return np.stack(np.unravel_index(flat, grid.shape), axis=1)


def _digits(num=30, size=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((num, size, size)).astype(np.float32), rng.integers(0, 10, num)


@pytest.mark.parametrize(
    "blend, channels",
    [
        ("additive", None),
        (pipelines.AdditiveBlend(scale=1.0, clip=False), None),
        ("alpha", None),
        (pipelines.AlphaBlend(0.7, (1.0, 0.2, 0.0)), 3),
    ],
)
def test_target_is_exactly_foreground_plus_background(blend, channels):
    digits, labels = _digits()
    data = pipelines.foreground_on_background(digits, labels, _texture(channels), blend=blend, seed=0)
    target = data.target
    assert target["x"].shape == (30, 10, 10, channels or 1) and target["x"].dtype == np.float32
    np.testing.assert_array_equal(target["x"], target["foreground"] + target["background"])
    np.testing.assert_array_equal(target["label"], labels)


def test_additive_blend_matches_the_formula_up_to_quantization():
    digits, labels = _digits()
    blend = pipelines.AdditiveBlend(clip=False)
    data = pipelines.foreground_on_background(digits, labels, _texture(), blend=blend, seed=0)
    np.testing.assert_allclose(data.target["foreground"][..., 0], 0.25 * digits, atol=2.0**-16)
    clipped = pipelines.foreground_on_background(digits + 0.0, labels, _texture(), seed=0).target["x"]
    assert clipped.min() >= 0.0 and clipped.max() <= 1.0


def test_backgrounds_are_exact_crops_from_disjoint_regions():
    digits, labels = _digits()
    data = pipelines.foreground_on_background(digits, labels, _texture(), num_background=40, seed=0)
    texture = quantize(_texture().astype(np.float32))
    regions = {}
    sets = (("target", data.target["background"], (0, 24)), ("background", data.background["x"], (24, 48)))
    for name, crops, columns in sets:
        corners = _corners(crops)
        for (r, c), crop in zip(corners, crops):
            np.testing.assert_array_equal(crop[..., 0], texture[r : r + 10, c : c + 10])  # the exact crop
        assert corners[:, 1].min() >= columns[0] and corners[:, 1].max() + 10 <= columns[1]
        regions[name] = {(r + i, c + j) for r, c in corners for i in range(10) for j in range(10)}
    assert not regions["target"] & regions["background"]  # never a shared texture pixel
    assert data.background["x"].shape == (40, 10, 10, 1)


def test_regions_made_of_tiles_keep_each_crop_inside_one_tile():
    digits, labels = _digits(num=200)
    quarter = 0.25  # 12-pixel tiles of the 48-pixel texture, a 4x4 checkerboard
    tiles = [[(i * quarter, j * quarter, quarter, quarter) for i in range(4) for j in range(4) if (i + j) % 2 == c] for c in (0, 1)]
    data = pipelines.foreground_on_background(digits, labels, _texture(), target_region=tiles[0], background_region=tiles[1], seed=0)
    for colour, crops in enumerate((data.target["background"], data.background["x"])):
        corners = _corners(crops)
        i, j = corners[:, 0] // 12, corners[:, 1] // 12
        assert ((i + j) % 2 == colour).all()
        assert (corners[:, 0] + 10 <= (i + 1) * 12).all() and (corners[:, 1] + 10 <= (j + 1) * 12).all()
        assert len({(a, b) for a, b in zip(i, j)}) == 8  # every tile of the colour is used
    with pytest.raises(ValueError, match="overlap"):
        pipelines.foreground_on_background(digits, labels, _texture(), target_region=tiles[0], background_region=tiles[0][:2], seed=0)


def test_generation_is_reproducible_under_a_seed():
    digits, labels = _digits()
    textures = [_texture(), _texture()[::-1].copy()]
    runs = [pipelines.foreground_on_background(digits, labels, textures, seed=s) for s in (1, 1, 2)]
    np.testing.assert_array_equal(runs[0].target["x"], runs[1].target["x"])
    np.testing.assert_array_equal(runs[0].background["x"], runs[1].background["x"])
    assert not np.array_equal(runs[0].target["x"], runs[2].target["x"])


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"textures": np.zeros((8, 8))}, ValueError, "smaller than the 10x10 crop"),
        ({"textures": np.zeros((30, 18))}, ValueError, "region"),  # a 30x9 half is too narrow
        ({"target_region": (0, 0, 1, 0.6)}, ValueError, "overlap"),
        ({"foregrounds": np.full((2, 10, 10), np.nan, np.float32), "labels": None}, ValueError, "NaN"),
        ({"foregrounds": np.zeros((2, 10, 10), np.int64), "labels": None}, TypeError, "int64"),
        ({"foregrounds": np.full((2, 10, 10), 2.0), "labels": None}, ValueError, "[0, 1]"),
        ({"foregrounds": np.zeros((0, 10, 10)), "labels": None}, ValueError, "empty"),
        ({"foregrounds": np.zeros((2, 10, 10, 3)), "labels": None}, ValueError, "channels"),
        ({"textures": np.array([["grass"]])}, TypeError, "numbers"),
        ({"labels": np.arange(3)}, ValueError, "(30,)"),
        ({"blend": "multiply"}, ValueError, "blend"),
    ],
)
@pytest.mark.parametrize("build", [pipelines.foreground_on_background, pipelines.composite_pairs])
def test_bad_input_fails_at_construction(change, error, words, build):
    digits, labels = _digits()
    arguments = {"foregrounds": digits, "labels": labels, "textures": _texture(), **change}
    positional = [arguments.pop(name) for name in ("foregrounds", "labels", "textures")]
    with pytest.raises(error) as info:
        build(*positional, **arguments)
    assert words in str(info.value)
