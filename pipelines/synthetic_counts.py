"""Synthetic single-cell-like counts: strong shared cell types, weak target-only subgroups.

Genes are laid out in contiguous blocks. Cell type k (shared by target and
background) raises genes `[k * TYPE_BLOCK, (k + 1) * TYPE_BLOCK)` by `TYPE_FOLD`;
target subgroup s raises genes `[K * TYPE_BLOCK + s * SUBGROUP_BLOCK, ... + SUBGROUP_BLOCK)`
by `fold`, independently of the cell type; the remaining genes carry only the baseline.
Background cells belong to no subgroup. For cell i of type k (and subgroup s):

    log mu_ig = baseline_g + log(TYPE_FOLD) [g in block k] + log(fold) [g in block s]
    lambda_ig ~ Gamma(shape=r, scale=size_i * mu_ig / r)      (negative binomial:
    x_ig ~ Poisson(lambda_ig)                                   mean m, variance m + m^2 / r)

with `baseline_g ~ N(BASELINE_LOG_MEAN, BASELINE_LOG_STD^2)` drawn once per data set and a
library size factor `size_i ~ LogNormal(-LIBRARY_LOG_STD^2 / 2, LIBRARY_LOG_STD^2)` (mean 1).
Cell types hide the subgroups from plain PCA of log1p counts; contrastive methods
that subtract the background's variation can find them.
"""

import numpy as np

from pipelines.contrastive_data import ContrastiveData

TYPE_BLOCK = 20  # genes raised by each cell type
SUBGROUP_BLOCK = 20  # genes raised by each target subgroup
TYPE_FOLD = 6.0  # fold change of a cell type's genes
BASELINE_LOG_MEAN = np.log(3.0)  # log mean count of a gene before effects
BASELINE_LOG_STD = 0.5
LIBRARY_LOG_STD = 0.3


def synthetic_counts(
    num_target=1000,
    num_background=1000,
    num_genes=200,
    num_cell_types=4,
    num_subgroups=2,
    fold=2.0,
    dispersion=5.0,
    seed=0,
):
    """Negative-binomial counts with shared cell types and target-only subgroups.

    Cell types and subgroups are balanced (sizes differ by at most one) and
    assigned independently of each other.

    Args:
        num_target: int. Target cells (at least `num_subgroups`).
        num_background: int. Background cells.
        num_genes: int. G, at least `num_cell_types * TYPE_BLOCK + num_subgroups * SUBGROUP_BLOCK`.
        num_cell_types: int. K >= 1 shared cell types.
        num_subgroups: int. S >= 2 target-only subgroups.
        fold: float > 1. Fold change of a subgroup's genes (the weak signal).
        dispersion: float > 0. r, the negative-binomial dispersion of every gene.
        seed: int.

    Returns:
        `ContrastiveData`: target `"x"` float32 `(num_target, G)` integer-valued counts in
        shuffled order, int64 `"label"` (subgroup 0..S-1) and `"cell_type"` (0..K-1);
        background `"x"` float32 `(num_background, G)` and int64 `"cell_type"`.

    Raises:
        ValueError: a size is not positive, the genes do not hold the blocks, `fold <= 1`
            or `dispersion <= 0`.
    """
    num_target, num_background, num_genes = int(num_target), int(num_background), int(num_genes)
    num_cell_types, num_subgroups = int(num_cell_types), int(num_subgroups)
    if num_target < 1 or num_background < 1:
        raise ValueError(f"need positive sizes, got num_target={num_target}, num_background={num_background}.")
    if num_cell_types < 1 or num_subgroups < 2:
        raise ValueError(
            f"need num_cell_types >= 1 and num_subgroups >= 2, got {num_cell_types} and {num_subgroups}."
        )
    if num_target < num_subgroups:
        raise ValueError(f"num_target={num_target} cannot hold all {num_subgroups} subgroups.")
    needed = num_cell_types * TYPE_BLOCK + num_subgroups * SUBGROUP_BLOCK
    if num_genes < needed:
        raise ValueError(
            f"num_genes={num_genes} is too small: {num_cell_types} cell types x {TYPE_BLOCK} genes"
            f" + {num_subgroups} subgroups x {SUBGROUP_BLOCK} genes need {needed}."
        )
    if not fold > 1.0:
        raise ValueError(f"fold must be > 1 (a subgroup raises its genes), got {fold}.")
    if not dispersion > 0.0:
        raise ValueError(f"dispersion must be > 0, got {dispersion}.")

    rng = np.random.default_rng(seed)
    baseline = rng.normal(BASELINE_LOG_MEAN, BASELINE_LOG_STD, num_genes)  # (G,)
    type_effect = np.zeros((num_cell_types, num_genes))  # (K, G)
    for k in range(num_cell_types):
        type_effect[k, k * TYPE_BLOCK : (k + 1) * TYPE_BLOCK] = np.log(TYPE_FOLD)
    subgroup_effect = np.zeros((num_subgroups, num_genes))  # (S, G)
    start = num_cell_types * TYPE_BLOCK
    for s in range(num_subgroups):
        subgroup_effect[s, start + s * SUBGROUP_BLOCK : start + (s + 1) * SUBGROUP_BLOCK] = np.log(fold)

    def counts(log_mean):  # (n, G) -> (n, G) negative-binomial counts
        size = rng.lognormal(-(LIBRARY_LOG_STD**2) / 2, LIBRARY_LOG_STD, (len(log_mean), 1))  # (n, 1)
        rate = rng.gamma(dispersion, size * np.exp(log_mean) / dispersion)  # (n, G)
        return rng.poisson(rate).astype("float32")

    labels = np.arange(num_target) % num_subgroups  # (N,)
    target_types = rng.permutation(np.arange(num_target) % num_cell_types)  # (N,)
    background_types = rng.permutation(np.arange(num_background) % num_cell_types)  # (M,)
    target = counts(baseline + type_effect[target_types] + subgroup_effect[labels])  # (N, G)
    background = counts(baseline + type_effect[background_types])  # (M, G)
    order = rng.permutation(num_target)
    return ContrastiveData(
        target={
            "x": target[order],
            "label": labels[order].astype("int64"),
            "cell_type": target_types[order].astype("int64"),
        },
        background={"x": background, "cell_type": background_types.astype("int64")},
    )
