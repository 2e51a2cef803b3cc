"""The test metrics and figures of a trained model, shared by `tfvae train` and `tfvae evaluate`."""

import csv
import json
import os
import sys

import numpy as np

#: Importance samples and test examples of the IWAE bound in the metrics.
IWAE_SAMPLES = 10
IWAE_EXAMPLES = 1000
LABEL_FREE_NOTE = "no labels: the label-based scores (silhouettes, k-means ARI and NMI) are skipped."


def evaluate(model, train, test, seed=0, backgrounds=None):
    """The run's test metrics (floats), for either model.

    Args:
        model: a trained `tfvae.VAE` or `tfvae.ContrastiveVAE`.
        train: `pipelines.ContrastiveData` or None: the training split, whose
            ground-truth background crops give the mean-crop baseline.
        test: `pipelines.ContrastiveData`, the test split.
        seed: int. Seed of the Monte-Carlo ELBO and IWAE bound.
        backgrounds: optional array of held-out background examples for the
            label-free diagnostics (default: the test split's backgrounds).

    Returns:
        Dict of floats (docs/user_guide.md, section 5, lists every key): the ELBO and
        IWAE bound of the test targets (`test_target_*` for a cVAE, `test_*` for a
        VAE), and the separation (cVAE) or latent clustering (VAE) metrics, with a
        cVAE's label-free diagnostics (`tfvae.diagnostics`, test targets against
        test backgrounds) as `test_salient_auc` and so on; the
        label-based ones only with labels of two classes or more (else a line says
        they are skipped).
    """
    from tfvae import diagnostics, metrics

    target = test.target
    prefix = "test_target_" if hasattr(model, "separate") else "test_"
    x = target["x"]
    report = {
        prefix + "elbo": float(np.mean(model.elbo(x, seed=seed))),
        prefix + f"iwae{IWAE_SAMPLES}": float(np.mean(model.log_likelihood(x[:IWAE_EXAMPLES], IWAE_SAMPLES, seed=seed, verbose=0))),
    }
    if not metrics.has_classes(target.get("label")):
        print(LABEL_FREE_NOTE)
    if hasattr(model, "separate"):
        report.update(
            metrics.separation_report(
                model, target["x"], target.get("label"), target.get("background"), target.get("foreground"), prefix="test_"
            )
        )
        if "background" in target and train is not None:
            report["test_background_mse_of_mean_crop"] = metrics.mean_background_mse(train.target["background"], target["background"])
        backgrounds = test.background.get("x") if backgrounds is None else backgrounds
        if backgrounds is not None and len(backgrounds) >= 2 and len(x) >= 2:  # label-free: targets against backgrounds
            scores = diagnostics.separation_diagnostics(model, x, backgrounds, seed)
            report.update({f"test_{key}": value for key, value in scores.items()})
    elif metrics.has_classes(target.get("label")):
        latent = latent_embedding(model, target["x"])
        report["test_latent_silhouette"] = metrics.silhouette(latent, target["label"])
        report.update({f"test_latent_{k}": v for k, v in metrics.kmeans_agreement(latent, target["label"]).items()})
    return report


def print_results(report, model):
    """Prints an `evaluate` report of `model` as JSON, then its `collapse_warnings` to stderr."""
    from tfvae import diagnostics
    from tfvae.layers import LowRankNormal

    print(json.dumps(report, indent=2))
    for line in diagnostics.separation_warnings(report):
        print(f"warning: {line}", file=sys.stderr)
    low_rank = isinstance(getattr(model, "likelihood", None), LowRankNormal)
    for line in collapse_warnings(report, getattr(model, "salient_dim", None), getattr(model, "background_dim", None),
                                  low_rank):
        print(f"warning: {line}", file=sys.stderr)


#: Background silhouette above which labels clustering in z more than in s is warned of.
LEAKAGE_SILHOUETTE = 0.05


def collapse_warnings(report, salient_dim=None, background_dim=None, low_rank=False):
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
        low_rank: bool. The model's likelihood is a `LowRankNormal` (its noise
            covariance is then named as a cause of a background collapse).

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
                     "targets: the background latents have partly collapsed." + (
                         " The LowRankNormal likelihood's noise covariance may hold the background instead: start "
                         "it later or lower its rank (its start and rank in the model config)." if low_rank else ""))
    return lines


def latent_embedding(model, x):
    """Posterior means: the salient embedding of a cVAE, the latent of a VAE; `(N, d)`."""
    if hasattr(model, "salient_embedding"):
        return model.salient_embedding(x)
    return model.encode(x).mean().numpy()


def save_figure(model, test, path, columns=8, embedding=None):
    """separation.png: target / reconstruction (/ background / foreground / mask) rows and the
    salient (or latent) embedding coloured by label; None for tabular data.

    Args:
        model: a trained `tfvae.VAE` or `tfvae.ContrastiveVAE`.
        test: `pipelines.ContrastiveData`, the test split.
        path: str. Where to save the PNG.
        columns: int. Images per row.
        embedding: optional `latent_embedding(model, x)` of the test targets, when
            already computed.

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
        rows = {k: rows[k] for k in ("target", "reconstruction", "background", "foreground", "mask") if k in rows}
    else:
        rows = {"target": x, "reconstruction": model.reconstruct(x[:columns]).numpy()}
    embedding = latent_embedding(model, x) if embedding is None else embedding
    return plots.separation_figure(rows, embedding, test.target.get("label"), path=path, columns=columns,
                                   embedding_title=embedding_title(model))


def embedding_title(model):
    """What `latent_embedding` holds, for plot titles."""
    return "salient embedding" if hasattr(model, "salient_embedding") else "latent means"


def save_outputs(model, test, out):
    """Writes what needs no labels beside `metrics.json`: the test targets' posterior
    means as `.npy` (`test_salient.npy` and `test_background.npy` for a cVAE,
    `test_latent.npy` for a VAE, row i for test target i), their 2-D scatter
    `latent_scatter.png` (coloured by label when there are labels) and, for images,
    `separation.png`.

    Returns:
        List of the file names written.
    """
    from tfvae import plots

    x, labels = test.target["x"], test.target.get("label")
    shown = latent_embedding(model, x)
    embeddings = {"salient": shown, "background": model.background_embedding(x)} if hasattr(
        model, "salient_embedding") else {"latent": shown}
    written = []
    for name, values in embeddings.items():
        np.save(os.path.join(out, f"test_{name}.npy"), values)
        written.append(f"test_{name}.npy")
    plots.latent_scatter(shown, labels, os.path.join(out, "latent_scatter.png"), title=embedding_title(model))
    written.append("latent_scatter.png")
    if save_figure(model, test, os.path.join(out, "separation.png"), embedding=shown) is not None:
        written.append("separation.png")
    return written


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
