"""Synthetic counts: shared cell types in both sets, weak subgroups only in the target."""

import numpy as np
import pytest

import pipelines
from pipelines.synthetic_counts import SUBGROUP_BLOCK, TYPE_BLOCK, TYPE_FOLD


def block_means(x, start, size):
    """Per-cell mean count over genes `[start, start + size)`: `(n,)`, independent across cells."""
    return x[:, start : start + size].mean(axis=1)


def assert_ratio(inside, outside, ratio):
    """Checks mean(inside) == ratio * mean(outside) to 4 standard errors of the difference."""
    difference = inside.mean() - ratio * outside.mean()
    standard_error = np.sqrt(inside.var() / inside.size + ratio**2 * outside.var() / outside.size)
    assert abs(difference) < 4 * standard_error, (inside.mean(), outside.mean(), ratio)


def test_shapes_dtypes_and_counts():
    data = pipelines.synthetic_counts(num_target=60, num_background=40, num_genes=150, seed=0)
    x, background = data.target["x"], data.background["x"]
    assert x.shape == (60, 150) and background.shape == (40, 150)
    assert x.dtype == background.dtype == np.float32
    for counts in (x, background):
        assert counts.min() >= 0 and np.array_equal(counts, np.round(counts))
    for values in (data.target["label"], data.target["cell_type"], data.background["cell_type"]):
        assert values.dtype == np.int64
    assert data.target["label"].shape == data.target["cell_type"].shape == (60,)
    assert data.background["cell_type"].shape == (40,)


@pytest.mark.parametrize("num_subgroups", [2, 3])
def test_labels_and_cell_types_balanced_and_crossed(num_subgroups):
    data = pipelines.synthetic_counts(num_target=240, num_background=100, num_subgroups=num_subgroups, seed=1)
    labels, types = data.target["label"], data.target["cell_type"]
    np.testing.assert_array_equal(np.bincount(labels), [240 // num_subgroups] * num_subgroups)
    np.testing.assert_array_equal(np.bincount(types), [60] * 4)
    np.testing.assert_array_equal(np.bincount(data.background["cell_type"]), [25] * 4)
    crossed = np.zeros((num_subgroups, 4), int)
    np.add.at(crossed, (labels, types), 1)
    assert crossed.min() > 0  # every subgroup occurs in every cell type
    assert not np.array_equal(labels, np.arange(240) % num_subgroups)  # rows shuffled


@pytest.mark.parametrize("num_subgroups, fold", [(2, 2.0), (3, 1.5)])
def test_subgroup_genes_raised_by_fold_only_in_their_subgroup(num_subgroups, fold):
    data = pipelines.synthetic_counts(num_subgroups=num_subgroups, fold=fold, seed=2)
    x, labels = data.target["x"], data.target["label"]
    for s in range(num_subgroups):
        genes = block_means(x, 4 * TYPE_BLOCK + s * SUBGROUP_BLOCK, SUBGROUP_BLOCK)  # (N,)
        assert_ratio(genes[labels == s], genes[labels != s], fold)
        assert genes[labels == s].mean() > genes[labels != s].mean()


def test_background_has_no_subgroup_signal():
    data = pipelines.synthetic_counts(num_subgroups=2, seed=3)
    x, labels, background = data.target["x"], data.target["label"], data.background["x"]
    for s in range(2):
        start = 4 * TYPE_BLOCK + s * SUBGROUP_BLOCK
        # Background cells look like target cells of the other subgroup on subgroup s's genes.
        assert_ratio(block_means(background, start, SUBGROUP_BLOCK), block_means(x[labels != s], start, SUBGROUP_BLOCK), 1.0)


def test_cell_types_raise_their_genes_in_both_sets():
    data = pipelines.synthetic_counts(seed=4)
    for part in (data.target, data.background):
        for k in range(4):
            genes = block_means(part["x"], k * TYPE_BLOCK, TYPE_BLOCK)
            assert_ratio(genes[part["cell_type"] == k], genes[part["cell_type"] != k], TYPE_FOLD)


def test_reproducible_under_a_seed():
    a, b, c = (pipelines.synthetic_counts(num_target=50, num_background=30, seed=s) for s in (5, 5, 6))
    for key in ("x", "label", "cell_type"):
        np.testing.assert_array_equal(a.target[key], b.target[key])
    np.testing.assert_array_equal(a.background["x"], b.background["x"])
    assert not np.array_equal(a.target["x"], c.target["x"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_target": 0}, "positive sizes"),
        ({"num_background": -1}, "positive sizes"),
        ({"num_cell_types": 0}, "num_cell_types"),
        ({"num_subgroups": 1}, "num_subgroups"),
        ({"num_target": 2, "num_subgroups": 3}, "cannot hold"),
        ({"num_genes": 4 * TYPE_BLOCK + 2 * SUBGROUP_BLOCK - 1}, "too small"),
        ({"fold": 1.0}, "fold"),
        ({"dispersion": 0.0}, "dispersion"),
    ],
)
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pipelines.synthetic_counts(**kwargs)
