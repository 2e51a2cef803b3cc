"""Evaluation of foreground/background separation (scikit-learn where it does the job).

All functions take numpy arrays and return floats, so they work for any model or
baseline (e.g. contrastive PCA) that yields embeddings and images.
"""

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score


def silhouette(embedding, labels, max_examples=5000, seed=0):
    """Silhouette of `embedding` `(N, d)` grouped by `labels` `(N,)`, in [-1, 1].

    High for salient embeddings means the target-only classes separate; near 0 for
    background embeddings means they do not leak class information. Computed on at
    most `max_examples` examples (a seeded subsample) to bound the O(N^2) cost.
    """
    embedding, labels = np.asarray(embedding), np.asarray(labels)
    if len(np.unique(labels)) < 2:
        raise ValueError("silhouette needs at least two distinct labels.")
    return float(silhouette_score(embedding, labels, sample_size=min(max_examples, len(labels)), random_state=seed))


def kmeans_agreement(embedding, labels, num_clusters=None, seed=0):
    """ARI and NMI between k-means clusters of `embedding` and `labels`.

    Args:
        embedding: array `(N, d)`.
        labels: int array `(N,)`.
        num_clusters: int or None (default: the number of distinct labels).
        seed: int. k-means initialization seed.

    Returns:
        Dict with floats `"ari"` and `"nmi"`.
    """
    labels = np.asarray(labels)
    k = num_clusters or len(np.unique(labels))
    clusters = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(np.asarray(embedding))
    return {"ari": float(adjusted_rand_score(labels, clusters)), "nmi": float(normalized_mutual_info_score(labels, clusters))}


def mse(estimate, truth):
    """Mean squared error over all examples and pixels."""
    estimate, truth = np.asarray(estimate, "float64"), np.asarray(truth, "float64")
    if estimate.shape != truth.shape:
        raise ValueError(f"shapes differ: estimate {estimate.shape} vs truth {truth.shape}.")
    return float(np.mean((estimate - truth) ** 2))


def correlation(estimate, truth):
    """Pearson correlation of all pixels of `estimate` with `truth` (same shape)."""
    estimate, truth = np.asarray(estimate, "float64").ravel(), np.asarray(truth, "float64").ravel()
    if estimate.shape != truth.shape:
        raise ValueError(f"shapes differ: estimate {estimate.shape} vs truth {truth.shape}.")
    if estimate.std() == 0 or truth.std() == 0:
        return 0.0
    return float(np.corrcoef(estimate, truth)[0, 1])


def mean_background_mse(train_background, test_background):
    """The baseline of background MSE: predicting the mean training crop everywhere."""
    mean_crop = np.mean(np.asarray(train_background, "float64"), axis=0, keepdims=True)
    return mse(np.broadcast_to(mean_crop, np.shape(test_background)), test_background)


def pca_background_mse(train_background, test_targets, test_background, num_components, seed=0):
    """A linear reference for background MSE: PCA with `num_components` components
    fit on background-only examples, each test target projected onto them.

    The projection keeps what the targets share with the backgrounds' top
    components; compare it with a model whose background latents have as many
    dimensions.

    Args:
        train_background: array `(N, ...)` of background-only examples.
        test_targets: array `(M, ...)` of target examples.
        test_background: array `(M, ...)`: the true background under each target.
        num_components: int, at most min(N, features).
        seed: int. Seed of scikit-learn's randomized SVD (chosen for large inputs),
            so that the reference is the same on every call.
    """
    from sklearn.decomposition import PCA

    flat = lambda a: np.asarray(a, "float64").reshape(len(a), -1)
    pca = PCA(int(num_components), random_state=seed).fit(flat(train_background))
    projected = pca.inverse_transform(pca.transform(flat(test_targets)))
    return mse(projected, flat(test_background))


def active_units(means, threshold=0.01):
    """Number of latent dimensions in use: those whose posterior mean varies over examples.

    Burda et al. (2016): dimension u is active when Cov_x(E_q(u|x)[u]) > `threshold`.
    A dimension whose mean is the same for every input carries no information about
    x, whatever its posterior stddev (so its KL may be > 0 and it is still unused).

    Args:
        means: array `(N, d)` of posterior means, N >= 2.
        threshold: float. Variance above which a dimension counts as active.

    Returns:
        Int in [0, d].
    """
    means = np.asarray(means, "float64")
    if means.ndim != 2 or len(means) < 2:
        raise ValueError(f"active_units needs posterior means (N >= 2, d), got shape {means.shape}.")
    return int(np.sum(np.var(means, axis=0) > threshold))


def within_group_share(embedding, groups):
    """Share of an embedding's variance that lies within groups.

    The one-way decomposition sum_i ||e_i - m||^2 = sum_i ||e_i - m_g(i)||^2 +
    sum_i ||m_g(i) - m||^2 (m the overall mean, m_g a group's mean) gives
    within / total. With `groups` naming the foreground of each example (the same
    digit over several backgrounds), it is the part of the salient space that moves
    with the background: 0 when the salient encoder ignores the background, 1 when
    it sees only the background.

    Args:
        embedding: array `(N, d)`, e.g. salient posterior means.
        groups: array `(N,)` of group ids; each group should hold 2 or more examples.

    Returns:
        Float in [0, 1].

    Raises:
        ValueError: mismatched lengths, or an embedding that does not vary.
    """
    embedding = np.asarray(embedding, "float64").reshape(len(embedding), -1)
    groups = np.asarray(groups)
    if len(groups) != len(embedding):
        raise ValueError(f"within_group_share: {len(embedding)} embeddings but {len(groups)} group ids.")
    total = np.sum((embedding - embedding.mean(0)) ** 2)
    if total == 0:
        raise ValueError("within_group_share: the embedding does not vary, so it has no variance to share.")
    _, index = np.unique(groups, return_inverse=True)
    index = index.ravel()
    counts = np.bincount(index)
    group_means = np.stack([np.bincount(index, weights=column) for column in embedding.T], 1) / counts[:, None]
    return float(np.sum((embedding - group_means[index]) ** 2) / total)


def has_classes(labels):
    """Whether `labels` (or None) hold two classes or more: one class has nothing to cluster."""
    return labels is not None and len(np.unique(labels)) > 1


def separation_report(model, x, labels=None, true_background=None, true_foreground=None, prefix=""):
    """All separation metrics of a `ContrastiveVAE` on target examples `x`.

    Args:
        model: a model with `salient_embedding`, `background_embedding`, `separate`.
        x: array `(N, ...)` of target examples.
        labels: optional int array `(N,)` of target classes.
        true_background: optional array like `x`: the exact background under each target.
        true_foreground: optional array like `x`: the foreground's contribution.
        prefix: str prepended to every key (e.g. `"test_"`).

    Returns:
        Dict: ints `salient_active_units` and `background_active_units`
        (`active_units`); floats `salient_silhouette`, `background_silhouette`, `salient_ari`,
        `salient_nmi` (with labels of two classes or more); `background_mse` (of the decoded
        `"background"`), `background_layer_mse` (of `"background_layer"`, x minus
        the foreground) and `foreground_correlation` (with ground truth).
    """
    salient, background = model.salient_embedding(x), model.background_embedding(x)
    report = {"salient_active_units": active_units(salient), "background_active_units": active_units(background)}
    if has_classes(labels):
        report["salient_silhouette"] = silhouette(salient, labels)
        report["background_silhouette"] = silhouette(background, labels)
        agreement = kmeans_agreement(salient, labels)
        report["salient_ari"], report["salient_nmi"] = agreement["ari"], agreement["nmi"]
    if true_background is not None or true_foreground is not None:
        parts = model.separate(x)
        if true_background is not None:
            report["background_mse"] = mse(parts["background"], true_background)
            report["background_layer_mse"] = mse(parts["background_layer"], true_background)
        if true_foreground is not None:
            report["foreground_correlation"] = correlation(parts["foreground"], true_foreground)
    return {prefix + key: value for key, value in report.items()}
