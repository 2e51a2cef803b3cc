"""Synthetic tabular benchmark: subgroups planted only in the target (contrastive PCA, Abid et al., 2018).

30 features in three blocks of 10. Block 1 has strong variance (std 10) in both
sets and hides everything else from plain PCA. In the background, block 2 has
std 3 and block 3 std 1. In the target, blocks 2 and 3 have std 1 around means
that define four subgroups: (0, 0), (0, gap), (2 gap, 0), (2 gap, gap).
"""

import numpy as np

from pipelines.contrastive_data import ContrastiveData

BLOCK = 10
# Per-subgroup means of blocks 2 and 3, in units of `gap`.
SUBGROUP_MEANS = ((0.0, 0.0), (0.0, 1.0), (2.0, 0.0), (2.0, 1.0))


def synthetic_subgroups(num_per_group=100, num_background=400, gap=3.0, seed=0):
    """The contrastive-PCA synthetic data set (default sizes as published: 400 and 400).

    Args:
        num_per_group: int. Target examples per subgroup (4 subgroups).
        num_background: int. Background examples.
        gap: float. Separation of the subgroup means.
        seed: int.

    Returns:
        `ContrastiveData`: target `"x"` float32 `(4 * num_per_group, 30)` in shuffled
        order with int64 `"label"` (subgroup 0-3); background `"x"` `(num_background, 30)`.
    """
    if int(num_per_group) < 1 or int(num_background) < 1:
        raise ValueError(f"need positive sizes, got num_per_group={num_per_group}, num_background={num_background}.")
    rng = np.random.default_rng(seed)
    n = 4 * int(num_per_group)
    labels = np.repeat(np.arange(4), int(num_per_group))  # (n,)
    means = np.asarray(SUBGROUP_MEANS)[labels] * gap  # (n, 2)
    target = np.concatenate(
        [
            rng.normal(0.0, 10.0, (n, BLOCK)),
            rng.normal(means[:, :1], 1.0, (n, BLOCK)),
            rng.normal(means[:, 1:], 1.0, (n, BLOCK)),
        ],
        axis=1,
    )  # (n, 30)
    background = rng.normal(0.0, np.repeat([10.0, 3.0, 1.0], BLOCK), (int(num_background), 3 * BLOCK))  # (M, 30)
    order = rng.permutation(n)
    return ContrastiveData(
        target={"x": target[order].astype("float32"), "label": labels[order].astype("int64")},
        background={"x": background.astype("float32")},
    )
