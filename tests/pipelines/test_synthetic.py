"""The contrastive-PCA synthetic set: subgroups only in the target, strong shared variance."""

import numpy as np

import pipelines


def test_shapes_and_labels():
    data = pipelines.synthetic_subgroups(seed=0)
    assert data.target["x"].shape == (400, 30) == data.background["x"].shape
    assert data.target["x"].dtype == np.float32
    np.testing.assert_array_equal(np.bincount(data.target["label"]), [100] * 4)


def test_subgroup_means_and_block_variances():
    gap, n = 3.0, 100
    data = pipelines.synthetic_subgroups(num_per_group=n, num_background=4000, gap=gap, seed=1)
    x, labels = data.target["x"], data.target["label"]
    tolerance = 4 / np.sqrt(10 * n)  # 4 standard errors of a mean of 10 * n unit-variance values
    for group, (mean2, mean3) in enumerate(((0, 0), (0, 1), (2, 0), (2, 1))):
        rows = x[labels == group]
        assert abs(rows[:, 10:20].mean() - mean2 * gap) < tolerance
        assert abs(rows[:, 20:30].mean() - mean3 * gap) < tolerance
        for block in (rows[:, 10:20], rows[:, 20:30]):
            assert abs(block.std() - 1.0) < 4 / np.sqrt(2 * block.size)  # within-group std 1
    background = data.background["x"]
    for block, std in enumerate((10.0, 3.0, 1.0)):
        values = background[:, 10 * block : 10 * block + 10]
        assert abs(values.std() / std - 1.0) < 4 / np.sqrt(2 * values.size)
    assert abs(x[:, :10].std() / 10.0 - 1.0) < 4 / np.sqrt(2 * 10 * 4 * n)


def test_reproducible_under_a_seed():
    a, b, c = (pipelines.synthetic_subgroups(seed=s) for s in (2, 2, 3))
    np.testing.assert_array_equal(a.target["x"], b.target["x"])
    np.testing.assert_array_equal(a.background["x"], b.background["x"])
    assert not np.array_equal(a.target["x"], c.target["x"])
