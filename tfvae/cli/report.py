"""The test metrics and figures of a trained model, shared by `tfvae train` and `tfvae evaluate`."""

import csv
import json
import sys

import numpy as np


def evaluate(model, train, test, seed=0):
    """The run's test metrics (floats), for either model.

    Args:
        model: a trained `tfvae.VAE` or `tfvae.ContrastiveVAE`.
        train: `pipelines.ContrastiveData`, the training split (its background set
            gives the mean-crop baseline).
        test: `pipelines.ContrastiveData`, the test split.
        seed: int. Seed of the Monte-Carlo ELBO.

    Returns:
        Dict of floats: `test_target_elbo` and the separation (cVAE) or latent
        clustering (VAE, with labels of two classes or more) metrics.
    """
    from tfvae import metrics

    target = test.target
    report = {"test_target_elbo": float(np.mean(model.elbo(target["x"], seed=seed)))}
    if hasattr(model, "separate"):
        report.update(
            metrics.separation_report(
                model, target["x"], target.get("label"), target.get("background"), target.get("foreground"), prefix="test_"
            )
        )
        if "background" in target:
            report["test_background_mse_of_mean_crop"] = metrics.mean_background_mse(train.target["background"], target["background"])
    elif metrics.has_classes(target.get("label")):
        latent = latent_embedding(model, target["x"])
        report["test_latent_silhouette"] = metrics.silhouette(latent, target["label"])
        report.update({f"test_latent_{k}": v for k, v in metrics.kmeans_agreement(latent, target["label"]).items()})
    return report


def print_results(report, salient_dim=None, background_dim=None):
    """Prints an `evaluate` report as JSON, then its `collapse_warnings` to stderr."""
    print(json.dumps(report, indent=2))
    for line in collapse_warnings(report, salient_dim, background_dim):
        print(f"warning: {line}", file=sys.stderr)


#: Background silhouette above which labels clustering in z more than in s is warned of.
LEAKAGE_SILHOUETTE = 0.05


def collapse_warnings(report, salient_dim=None, background_dim=None):
    """Lines warning of an unused salient or background space in a cVAE's `evaluate` report.

    Four signs: no salient dimension whose posterior mean varies over the test
    targets (`test_salient_active_units` = 0: every target gets the same s); fewer
    such dimensions than `salient_dim` (a partial collapse); labels that cluster
    better in the background latents than in the salient ones (background
    silhouette above `LEAKAGE_SILHOUETTE` and above the salient one), where the
    foreground went into the background latents; and fewer background dimensions
    in use than `background_dim`, as when a `LowRankNormal` likelihood's noise
    covariance holds the background instead.

    Args:
        report: dict, as `evaluate` returns it.
        salient_dim: int or None. The model's salient dimension; None skips the
            partial-collapse check.
        background_dim: int or None. The model's background dimension; None skips
            the background check.

    Returns:
        List of str, empty when nothing is wrong.
    """
    lines = []
    active = report.get("test_salient_active_units")
    if active == 0:
        lines.append("no salient dimension is in use on the test targets (their salient posterior means do not vary): "
                     "the salient space has collapsed and the foreground went into the background latents.")
    elif active is not None and salient_dim is not None and active < salient_dim:
        lines.append(f"only {active} of {salient_dim} salient dimensions are in use on the test targets (the others' "
                     "posterior means do not vary): the salient space has partly collapsed.")
    salient, background = report.get("test_salient_silhouette"), report.get("test_background_silhouette")
    if salient is not None and background is not None and background > max(salient, LEAKAGE_SILHOUETTE):
        lines.append(f"the labels cluster better in the background latents (silhouette {background:.3f}) than in the "
                     f"salient ones ({salient:.3f}): the foreground went into the background latents.")
    if lines:
        lines[-1] += (" Lower the weights of the regularizers in the model config, use the default likelihood, or "
                      "see docs/user_guide.md (posterior collapse).")
    background_active = report.get("test_background_active_units")
    if background_active is not None and background_dim is not None and background_active < background_dim:
        lines.append(f"only {background_active} of {background_dim} background dimensions are in use on the test "
                     "targets: the background latents have partly collapsed. With a LowRankNormal likelihood (the "
                     "default) its noise covariance may hold the background instead: start it later or lower its "
                     "rank (its start and rank in the model config).")
    return lines


def latent_embedding(model, x):
    """Posterior means: the salient embedding of a cVAE, the latent of a VAE; `(N, d)`."""
    if hasattr(model, "salient_embedding"):
        return model.salient_embedding(x)
    return model.encode(x).mean().numpy()


def save_figure(model, test, path, columns=8):
    """separation.png: target / reconstruction (/ background / foreground) rows and the
    salient (or latent) embedding coloured by label; None for tabular data.

    Args:
        model: a trained `tfvae.VAE` or `tfvae.ContrastiveVAE`.
        test: `pipelines.ContrastiveData`, the test split.
        path: str. Where to save the PNG.
        columns: int. Images per row.

    Returns:
        The matplotlib `Figure`, or None when the examples are not images.
    """
    from tfvae import plots

    x = test.target["x"]
    if len(x.shape) != 4:
        return None  # tabular data: no images to show
    if hasattr(model, "separate"):
        parts = model.separate(x[:columns])
        rows = {"target": x, **parts}
        rows = {k: rows[k] for k in ("target", "reconstruction", "background", "foreground")}
    else:
        rows = {"target": x, "reconstruction": model.reconstruct(x[:columns]).numpy()}
    return plots.separation_figure(rows, latent_embedding(model, x), test.target.get("label"), path=path, columns=columns)


def read_history(path):
    """The columns of a Keras `CSVLogger` file as `{name: [float, ...]}`, one value per
    epoch; when a resumed run logged an epoch twice, its last row counts.

    Raises:
        ValueError: the file holds no rows.
    """
    with open(path, newline="") as f:
        rows = {int(row["epoch"]): row for row in csv.DictReader(f)}  # later rows replace earlier ones
    if not rows:
        raise ValueError(f"{path!r} holds no epochs.")
    ordered = [rows[epoch] for epoch in sorted(rows)]
    return {name: [_number(row[name]) for row in ordered] for name in ordered[0]}


def _number(text):
    """A CSV cell as a float; NaN where the logger wrote nothing ("" or "NA")."""
    return float("nan") if text in ("", "NA", None) else float(text)
