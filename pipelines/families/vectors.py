"""Vector settings: a Gaussian mixture shared by both sets, target-only subgroups
along directions of their own (contrastive PCA's synthetic data, generalized).

For D features, both sets draw x = A c + B u + noise: c one of `shared_clusters`
shared cluster centres (weights unequal), u ~ N(0, I) along `shared_rank` shared
directions B of large spread; targets add G m_k, subgroup k's mean along
`salient_rank` target-only directions G at a drawn `gap`. Noise is isotropic with
std 1, so `gap` is the subgroups' separation in noise units. Cheap enough for
CI-sized checks.
"""

import numpy as np

from pipelines.contrastive_data import ContrastiveData
from pipelines.families import DrawnSetting

TEST_EXAMPLES = 500


def draw(seed):
    """The vector setting of `seed`; see the module docstring. Returns a `DrawnSetting`."""
    rng = np.random.default_rng(seed)
    params = {
        "features": int(rng.integers(10, 101)),
        "shared_clusters": int(rng.integers(1, 7)),
        "shared_rank": int(rng.integers(1, 6)),
        "shared_spread": float(rng.uniform(3.0, 10.0)),
        "subgroups": int(rng.integers(2, 5)),
        "salient_rank": int(rng.integers(1, 3)),
        "gap": float(rng.uniform(1.5, 5.0)),
        "targets": int(np.exp(rng.uniform(np.log(300), np.log(5000)))),
        "background_ratio": float(rng.uniform(0.5, 2.0)),
        "data_seed": int(rng.integers(2**31)),
    }
    train, test = make(params)
    return DrawnSetting("vectors", int(seed), params, train, test, None, 2, 8)


def make(params):
    """`(train, test)` `ContrastiveData` of a params dict as `draw` makes it."""
    rng = np.random.default_rng(params["data_seed"])
    d = params["features"]
    # Orthonormal directions: shared ones, then target-only ones (no overlap).
    basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
    shared = basis[:, : params["shared_rank"]] * params["shared_spread"]  # (D, r_b)
    salient = basis[:, params["shared_rank"] : params["shared_rank"] + params["salient_rank"]]  # (D, r_s)
    centres = rng.normal(0, params["shared_spread"], (params["shared_clusters"], d))  # (C, D)
    cluster_weights = rng.dirichlet(np.ones(params["shared_clusters"]))
    subgroup_means = _subgroup_means(params["subgroups"], params["salient_rank"], params["gap"])  # (K, r_s)

    def sample(n, target):
        x = centres[rng.choice(len(centres), n, p=cluster_weights)]  # (n, D)
        x = x + rng.normal(size=(n, shared.shape[1])) @ shared.T + rng.normal(size=(n, d))
        if not target:
            return x.astype("float32"), None
        labels = rng.integers(0, params["subgroups"], n)
        return (x + subgroup_means[labels] @ salient.T).astype("float32"), labels.astype("int64")

    sets = []
    for split, n in (("train", params["targets"]), ("test", TEST_EXAMPLES)):
        x_t, labels = sample(n, True)
        m = max(2, int(round(n * params["background_ratio"]))) if split == "train" else TEST_EXAMPLES
        sets.append(ContrastiveData({"x": x_t, "label": labels}, {"x": sample(m, False)[0]}))
    return tuple(sets)


def _subgroup_means(k, rank, gap):
    """K means `(K, rank)` whose neighbours lie `gap` apart: evenly along a line
    (rank 1) or around a circle (rank 2), centred on 0."""
    if rank == 1:
        return (np.arange(k) - (k - 1) / 2.0)[:, None] * gap
    angle = 2 * np.pi * np.arange(k) / k
    radius = gap / (2 * np.sin(np.pi / k))  # chord between neighbours = gap
    return np.stack([np.cos(angle), np.sin(angle)], 1) * radius
