"""Evaluation of foreground/background separation (scikit-learn where it does the job).

All functions take numpy arrays and return floats, so they work for any model or
baseline (e.g. contrastive PCA) that yields embeddings and images. Arguments are
checked first: a message names the function and the argument, a TypeError for
non-numeric arrays and a ValueError for empty ones, NaN or inf values, shapes
that do not match, or labels of the wrong length; no function returns NaN.
"""

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score


def _numbers(x, name, ndim=None):
    """`x` as a float64 array after checking it: numeric, non-empty, finite, and with
    `ndim` axes (None: at least one). `name` (e.g. "mse: truth") goes into messages."""
    try:
        array = np.asarray(x)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} is not an array: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers; got dtype {array.dtype} (shape {array.shape}).")
    wrong_rank = array.ndim == 0 if ndim is None else array.ndim != ndim
    if wrong_rank:
        wanted = f"{ndim} axes" if ndim is not None else "at least one axis"
        raise ValueError(f"{name} must have {wanted} (examples first); got shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} is empty: got shape {array.shape}.")
    array = array.astype("float64")
    bad = array.size - np.count_nonzero(np.isfinite(array))
    if bad:
        raise ValueError(f"{name} holds {bad} NaN or inf values (shape {array.shape}).")
    return array


def _labels(labels, num_examples, name):
    """`labels` as a 1-D array of `num_examples` ints, strings or finite floats."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "biufUS":
        raise TypeError(f"{name} must be integers or strings; got dtype {labels.dtype}.")
    if labels.shape != (num_examples,):
        raise ValueError(f"{name} must have shape ({num_examples},), one per example; got shape {labels.shape}.")
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise ValueError(f"{name} holds NaN or inf values.")
    return labels


def _finite(value, name):
    """`value` as a float, or a ValueError when float64 arithmetic overflowed."""
    if not np.isfinite(value):
        raise ValueError(f"{name}: the result overflows float64 ({value}); rescale the inputs.")
    return float(value)


def silhouette(embedding, labels, max_examples=5000, seed=0):
    """Silhouette of `embedding` `(N, d)` grouped by `labels` `(N,)`, in [-1, 1].

    High for salient embeddings means the target-only classes separate; near 0 for
    background embeddings means they do not leak class information. Computed on at
    most `max_examples` examples (a seeded subsample) to bound the O(N^2) cost.
    """
    embedding = _numbers(embedding, "silhouette: embedding", ndim=2)
    labels = _labels(labels, len(embedding), "silhouette: labels")
    num_labels = len(np.unique(labels))
    if num_labels < 2:
        raise ValueError("silhouette needs at least two distinct labels.")
    sample = min(int(max_examples), len(labels))
    if not 2 <= num_labels <= sample - 1:
        raise ValueError(f"silhouette: labels has {num_labels} distinct values for {sample} examples; it needs "
                         f"between 2 and {sample - 1}.")
    return float(silhouette_score(embedding, labels, sample_size=sample, random_state=seed))


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
    embedding = _numbers(embedding, "kmeans_agreement: embedding", ndim=2)
    labels = _labels(labels, len(embedding), "kmeans_agreement: labels")
    k = int(num_clusters or len(np.unique(labels)))
    if not 1 <= k <= len(embedding):
        raise ValueError(f"kmeans_agreement: num_clusters must be between 1 and the number of examples "
                         f"({len(embedding)}); got {k}.")
    clusters = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(embedding)
    return {"ari": float(adjusted_rand_score(labels, clusters)), "nmi": float(normalized_mutual_info_score(labels, clusters))}


def mse(estimate, truth):
    """Mean squared error over all examples and pixels of `estimate` and `truth` (same shape)."""
    estimate, truth = _numbers(estimate, "mse: estimate"), _numbers(truth, "mse: truth")
    if estimate.shape != truth.shape:
        raise ValueError(f"mse: shapes differ: estimate {estimate.shape} vs truth {truth.shape}.")
    return _finite(np.mean((estimate - truth) ** 2), "mse")


def mask_iou(mask, truth, threshold=0.5):
    """Mean over examples of the intersection over union of two masks thresholded at
    `threshold` (e.g. a layered decoder's `separate(x)["mask"]` against a
    foreground's alpha); examples where both masks are empty count as 1.

    Args:
        mask: array `(N, ...)` of values in [0, 1].
        truth: array of the same shape.
        threshold: float. A pixel is in a mask when its value exceeds it.

    Returns:
        Float in [0, 1].
    """
    mask, truth = _numbers(mask, "mask_iou: mask"), _numbers(truth, "mask_iou: truth")
    if mask.shape != truth.shape or mask.ndim < 2:
        raise ValueError(f"mask_iou: needs two (N, ...) masks of one shape, got {mask.shape} and {truth.shape}.")
    a, b = (m.reshape(len(m), -1) > threshold for m in (mask, truth))
    union = np.sum(a | b, axis=1)
    iou = np.where(union > 0, np.sum(a & b, axis=1) / np.maximum(union, 1), 1.0)
    return _finite(np.mean(iou), "mask_iou")


def correlation(estimate, truth):
    """Pearson correlation of all pixels of `estimate` with `truth` (same shape)."""
    estimate, truth = _numbers(estimate, "correlation: estimate"), _numbers(truth, "correlation: truth")
    if estimate.shape != truth.shape:
        raise ValueError(f"correlation: shapes differ: estimate {estimate.shape} vs truth {truth.shape}.")
    estimate, truth = estimate.ravel(), truth.ravel()
    if estimate.std() == 0 or truth.std() == 0:
        return 0.0
    return _finite(np.corrcoef(estimate, truth)[0, 1], "correlation")


def mean_background_mse(train_background, test_background):
    """The baseline of background MSE: predicting the mean training crop everywhere."""
    train = _numbers(train_background, "mean_background_mse: train_background")
    test = _numbers(test_background, "mean_background_mse: test_background")
    if train.shape[1:] != test.shape[1:]:
        raise ValueError(f"mean_background_mse: examples differ in shape: train_background {train.shape[1:]} vs "
                         f"test_background {test.shape[1:]}.")
    return mse(np.broadcast_to(np.mean(train, axis=0, keepdims=True), test.shape), test)


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

    where = "pca_background_mse: "
    train = _numbers(train_background, where + "train_background")
    targets = _numbers(test_targets, where + "test_targets")
    truth = _numbers(test_background, where + "test_background")
    if targets.shape != truth.shape or train.shape[1:] != targets.shape[1:]:
        raise ValueError(f"{where}shapes differ: train_background {train.shape}, test_targets {targets.shape}, "
                         f"test_background {truth.shape} (the last two equal, examples of one shape).")
    flat = lambda a: a.reshape(len(a), -1)
    most = min(len(train), flat(train).shape[1])
    if not 1 <= int(num_components) <= most:
        raise ValueError(f"{where}num_components must be between 1 and {most} (examples and features of "
                         f"train_background); got {num_components}.")
    with np.errstate(divide="ignore", invalid="ignore"):  # explained-variance ratios of constant data, unused
        pca = PCA(int(num_components), random_state=seed).fit(flat(train))
    projected = pca.inverse_transform(pca.transform(flat(targets)))
    return mse(projected, flat(truth))


def active_units(means, threshold=0.01):
    """Number of latent dimensions in use: those whose posterior mean varies over examples.

    Burda et al. (2016): dimension u is active when Cov_x(E_q(u|x)[u]) > `threshold`.
    A dimension whose mean is the same for every input carries no information about
    x, whatever its posterior stddev (so its KL may be > 0 and it is still unused).

    Args:
        means: array `(N, d)` of posterior means, N >= 2, or the posterior itself
            (a distribution such as `VAE.encode(x)`; its `mean()` is used).
        threshold: float. Variance above which a dimension counts as active.

    Returns:
        Int in [0, d].
    """
    is_posterior = lambda value: hasattr(value, "mean") and hasattr(value, "batch_shape")  # a distribution
    if isinstance(means, (tuple, list)) and means and all(map(is_posterior, means)):
        raise ValueError(f"active_units takes one posterior, got {len(means)} (a ContrastiveVAE's encode returns "
                         "(q(s|x), q(z|x))): pass model.encode(x)[0] for the salient space, [1] for the background.")
    if is_posterior(means):
        means = means.mean()
    shape = np.shape(means)
    if len(shape) != 2 or shape[0] < 2:
        raise ValueError(f"active_units needs posterior means (N >= 2, d), got shape {shape}.")
    means = _numbers(means, "active_units: means", ndim=2)
    if not np.isfinite(float(threshold)):
        raise ValueError(f"active_units: threshold must be a finite number, got {threshold}.")
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
    embedding = _numbers(embedding, "within_group_share: embedding")
    embedding = embedding.reshape(len(embedding), -1)
    if np.ndim(groups) == 1 and len(groups) != len(embedding):
        raise ValueError(f"within_group_share: {len(embedding)} embeddings but {len(groups)} group ids.")
    groups = _labels(groups, len(embedding), "within_group_share: groups")
    total = _finite(np.sum((embedding - embedding.mean(0)) ** 2), "within_group_share")
    if total == 0:
        raise ValueError("within_group_share: the embedding does not vary, so it has no variance to share.")
    _, index = np.unique(groups, return_inverse=True)
    index = index.ravel()
    counts = np.bincount(index)
    group_means = np.stack([np.bincount(index, weights=column) for column in embedding.T], 1) / counts[:, None]
    return _finite(np.sum((embedding - group_means[index]) ** 2) / total, "within_group_share")


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
