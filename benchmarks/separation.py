"""Foreground/background separation on mnist_on_grass: one table, same data and splits.

Rows: a plain VAE (its latents), contrastive PCA (the `contrastive` package, Abid et
al. 2018, as the external reference), PCA of the targets whitened against the
background (a second linear reference, the ratio form of cPCA), a Wiener filter (the
linear least-squares foreground, a reference for the separation columns) and the ContrastiveVAE plain, +TC, +MMD,
+Wasserstein, + background-swap invariance (absolute, relative and InfoNCE; the relative one
also with a background basis, `--background-basis`, and with a linear background
path on both sides from epoch 4, and with a low-rank background noise covariance), with Normal
scales the decoder predicts per pixel, and with a mixture salient prior of one
component per digit class; last,
as a reference ceiling, a VAE with the salient dimension trained on the same digits
without grass (`--dataset mnist_subset`).
Every tfvae row is one `tfvae train` run (the same code path as the
command line), so each run folder under --runs keeps its model, logs and figure.

    pip install contrastive   # the reference, not a tfvae dependency
    python benchmarks/separation.py --digits 0,1 all --out docs/separation_benchmark.md
"""

import argparse
import json
import os
import time

import numpy as np

from tfvae import metrics
from tfvae.cli import data as cli_data
from tfvae.cli import main as cli_main

CPCA_COMPOSITES = 5
# (row name, extra `tfvae train` flags)
VARIANTS = (
    ("VAE (latent = salient + background dims)", ["--model", "vae"]),
    ("ContrastiveVAE (joint decoder)", ["--decoder", "joint"]),
    ("ContrastiveVAE", []),
    ("ContrastiveVAE + TC", ["--tc-weight", "5"]),
    ("ContrastiveVAE + MMD", ["--mmd-weight", None]),  # None: the --mmd-weight flag of this script
    ("ContrastiveVAE + Wasserstein", ["--wasserstein-weight", "10"]),
    # Salient means that ignore a swap of the target's background (tfvae's own).
    ("ContrastiveVAE + background-swap invariance", ["--invariance-weight", "1"]),
    # The same penalty divided by the spread of the targets' salient means: shrinking
    # the salient space does not lower it (weight 100 kept every unit on 6 of 6 runs).
    ("ContrastiveVAE + relative background-swap invariance", ["--invariance-weight", "100", "--invariance-relative"]),
    # InfoNCE form of the swap penalty: the batch's other targets are the negatives
    # (absolute squared distances over temperature 4, about half the salient spread).
    ("ContrastiveVAE + InfoNCE background-swap invariance",
     ["--invariance-weight", "50", "--invariance-temperature", "4"]),
    # The relative row with a linear background path learned from background examples only.
    ("ContrastiveVAE + relative invariance + background basis",
     ["--invariance-weight", "100", "--invariance-relative", "--background-basis"]),
    # A linear background path on both sides (x U into q(z|x), z V into the decoder),
    # learning from epoch 4 on, after the salient space has formed.
    ("ContrastiveVAE + relative invariance + linear background path",
     ["--invariance-weight", "100", "--invariance-relative", "--background-basis", "--background-encoder-basis",
      "--background-basis-start", "4"]),
    # The relative row with a probabilistic PCA of what the decoder leaves out of
    # background examples, fitted after training (B components: the background
    # dimension); it changes the background only, not the embeddings or the foreground.
    ("ContrastiveVAE + relative invariance + residual texture",
     ["--invariance-weight", "100", "--invariance-relative", "--residual-components", "B"]),
    # The relative row with a Normal likelihood whose noise has a rank-16 covariance
    # W W^T learned from background examples only, from epoch 4 on (`--likelihood
    # normal_low_rank`): the grass texture costs targets little, and `separate` adds
    # its posterior mean to the background.
    ("ContrastiveVAE + relative invariance + low-rank background covariance",
     ["--invariance-weight", "100", "--invariance-relative", "--likelihood", "normal_low_rank", "--likelihood-rank", "16",
      "--background-basis-start", "4"]),
    # The decoder predicts a Normal scale for every pixel of every example.
    ("ContrastiveVAE + predicted pixel scales", ["--likelihood", "normal_predicted"]),
    # K: one mixture component per digit class of the setting.
    ("ContrastiveVAE + mixture prior (K = classes)", ["--salient-components", "K"]),
    # A reference, not a competitor: the same digits with no grass at all, latent size
    # S = the salient dimension. What a VAE's posterior means score when there is no
    # background to separate.
    ("VAE on the clean digits, no grass (reference)", ["--model", "vae", "--dataset", "mnist_subset", "--latent-dim", "S"]),
)
COLUMNS = (
    ("salient silhouette", "test_salient_silhouette"),
    ("background silhouette (leakage)", "test_background_silhouette"),
    ("salient ARI", "test_salient_ari"),
    ("background MSE", "test_background_mse"),
    ("background layer MSE", "test_background_layer_mse"),
    ("foreground corr.", "test_foreground_correlation"),
)


def flat(a):
    """Examples as float64 rows, `(N, D)`, for the linear references."""
    return a.reshape(len(a), -1).astype("float64")


def contrastive_pca(train, test, seed=0, n_components=2):
    """cPCA to `n_components` (the salient size): fit on train target/background, alpha
    chosen from the package's grid by train silhouette (favourable to cPCA: it sees
    the labels), applied to test."""
    from contrastive import CPCA

    cpca = CPCA(n_components=n_components)
    cpca.fit(flat(train.target["x"]), flat(train.background["x"]))
    alpha = _label_picked(lambda a, x: cpca.cpca_alpha(flat(x), a), np.logspace(-1, 3, 13), train, seed)
    return {**_salient_scores(cpca.cpca_alpha(flat(test.target["x"]), alpha), test), "alpha": float(alpha)}


def _salient_scores(embedding, test):
    """Test silhouette and k-means ARI of a linear reference's embedding of the test targets."""
    labels = test.target["label"]
    return {
        "test_salient_silhouette": metrics.silhouette(embedding, labels),
        "test_salient_ari": metrics.kmeans_agreement(embedding, labels)["ari"],
    }


def _label_picked(embed, grid, train, seed):
    """The grid value whose training embedding `embed(value, x)` has the best
    silhouette against the training labels (cPCA's rule: it sees the labels)."""
    return max(grid, key=lambda v: metrics.silhouette(embed(v, train.target["x"]), train.target["label"], seed=seed))


def whitened_pca(train, test, seed=0, n_components=2):
    """PCA of the targets after whitening against the background: the top
    generalized eigenvectors of Sigma_t v = lambda (Sigma_b + eps I) v, the ratio
    counterpart of cPCA's difference Sigma_t - alpha Sigma_b. The whitening is
    (x - mu_b) V diag(sqrt(eps / (ev + eps))) V^T with (ev, V) the eigenpairs of the
    background covariance: directions where the background varies much more than
    eps are shrunk, the others kept. eps is picked from a grid by training
    silhouette, as cPCA's alpha. A linear reference with no VAE."""
    from sklearn.decomposition import PCA

    background = flat(train.background["x"])
    mean = background.mean(0)
    ev, vectors = np.linalg.eigh(np.cov(background - mean, rowvar=False))
    ev = np.clip(ev, 0.0, None)
    fitted = {}

    def embed(eps, x):
        if eps not in fitted:
            whiten = (vectors * np.sqrt(eps / (ev + eps))) @ vectors.T
            fitted[eps] = whiten, PCA(n_components, random_state=seed).fit((flat(train.target["x"]) - mean) @ whiten)
        whiten, pca = fitted[eps]
        return pca.transform((flat(x) - mean) @ whiten)

    eps = _label_picked(embed, (1e-3, 3e-3, 1e-2, 3e-2, 1e-1), train, seed)
    return {**_salient_scores(embed(eps, test.target["x"]), test), "eps": eps}


def wiener_filter(train, test, seed=0, n_components=None):
    """The linear least-squares foreground, f = (Sigma_t - Sigma_b) (Sigma_t + r I)^-1
    (x - mu_t) + mu_t - mu_b: a Wiener filter whose foreground covariance is
    estimated as Sigma_t - Sigma_b (the difference cPCA also uses), and x - f as the
    background layer. The ridge r is picked from a grid by the foreground
    correlation on training targets (it sees their ground truth, as cPCA's alpha
    sees the labels). A linear reference for the separation columns; it has no
    embedding (`seed` and `n_components` are unused)."""
    foreground, ridge = wiener_estimator(train)
    estimate = foreground(test.target["x"])
    return {
        "test_background_layer_mse": metrics.mse(flat(test.target["x"]) - estimate, flat(test.target["background"])),
        "test_foreground_correlation": metrics.correlation(estimate, flat(test.target["foreground"])),
        "ridge": ridge,
    }


def wiener_estimator(train):
    """`(foreground, ridge)`: the Wiener filter of `wiener_filter` fitted to `train`, as a
    function from images to flat foreground estimates, and the ridge it picked."""
    targets, background = flat(train.target["x"]), flat(train.background["x"])
    mean_t, mean_b = targets.mean(0), background.mean(0)
    cov_t, cov_b = np.cov(targets, rowvar=False), np.cov(background, rowvar=False)

    def with_ridge(ridge):
        gain = (cov_t - cov_b) @ np.linalg.inv(cov_t + ridge * np.eye(len(cov_t)))
        return lambda x: (flat(x) - mean_t) @ gain.T + mean_t - mean_b

    truth = flat(train.target["foreground"])
    ridge = max((0.01, 0.03, 0.1, 0.3, 1.0), key=lambda r: metrics.correlation(with_ridge(r)(train.target["x"]), truth))
    return with_ridge(ridge), ridge


def _cell(report, key):
    if key not in report:
        return "—"
    return f"{report[key]:.4f}" if key.endswith("_mse") else f"{report[key]:.3f}"


def run_setting(digits, salient_dim, background_dim, epoch_size, args):
    """All rows for one digit setting; returns the markdown lines."""
    tag = "01" if digits == "0,1" else "all"
    chosen = None if digits == "all" else tuple(int(d) for d in digits.split(","))
    # Contrastive PCA needs arrays: with fresh composites it fits a fixed sample of
    # the same distribution, CPCA_COMPOSITES crops per digit.
    fixed = CPCA_COMPOSITES if args.composites == "fresh" else int(args.composites)
    train, test = cli_data.load("mnist_on_grass", chosen, args.seed, fixed)
    rows = []
    chosen_row = lambda name: (not args.only or any(o in name for o in args.only)) and not any(
        o in name for o in args.skip or ())
    variants = [(name, flags) for name, flags in VARIANTS if chosen_row(name)]
    classes = 10 if chosen is None else len(chosen)  # the mixture row's K
    for name, flags in variants:
        placeholders = {None: args.mmd_weight, "K": str(classes), "S": str(salient_dim), "B": str(background_dim)}
        flags = [placeholders.get(f, f) for f in flags]
        out = os.path.join(args.runs, f"{tag}-{name.split()[0].lower()}-{'-'.join(flags) or 'plain'}".replace("--", ""))
        base = ["train", "--digits", digits, "--epochs", str(args.epochs), "--seed", str(args.seed), "--out", out,
                "--composites", str(args.composites), "--epoch-size", str(epoch_size),
                "--summary-every", str(args.summary_every)]
        if "vae" in flags and "--latent-dim" not in flags:
            base += ["--latent-dim", str(salient_dim + background_dim)]
        start = time.perf_counter()
        timing = os.path.join(out, "benchmark_seconds.json")
        if not (args.reuse and os.path.exists(os.path.join(out, "metrics.json"))):
            cli_main.main(base + ["--salient-dim", str(salient_dim), "--background-dim", str(background_dim)] + flags)
            with open(timing, "w") as f:
                json.dump({"seconds": time.perf_counter() - start}, f)
        with open(os.path.join(out, "metrics.json")) as f:
            report = json.load(f)
        secs = None  # a reused run from before timings were kept shows —
        if os.path.exists(timing):
            with open(timing) as f:
                secs = json.load(f)["seconds"]
        if "test_latent_silhouette" in report:  # the VAE: its latents stand in for salient ones
            report["test_salient_silhouette"] = report["test_latent_silhouette"]
            report["test_salient_ari"] = report["test_latent_ari"]
        rows.append((name, report, secs))
    # The linear references, refit by every command, after the plain VAE's row.
    at = int(bool(rows) and rows[0][0] == VARIANTS[0][0])
    for name, fit, parameter in (("contrastive PCA", contrastive_pca, "alpha"),
                                 ("PCA of background-whitened targets", whitened_pca, "eps"),
                                 ("Wiener filter", wiener_filter, "ridge")):
        if chosen_row(name):
            start = time.perf_counter()
            report = fit(train, test, args.seed, salient_dim)
            rows.insert(at, (f"{name} ({parameter} {report[parameter]:.3g})", report, time.perf_counter() - start))
            at += 1
    baseline = metrics.mean_background_mse(train.target["background"], test.target["background"])
    lines = [
        f"### digits {digits}: {len(train.target['x']) // fixed} train / {len(test.target['x'])} test digits, "
        f"salient dimension {salient_dim} (contrastive PCA components {salient_dim}), background dimension {background_dim}, "
        f"{args.epochs} epochs of {epoch_size} pairs",
        "",
        "| method | " + " | ".join(c for c, _ in COLUMNS) + " | seconds |",
        "|---|" + "---:|" * (len(COLUMNS) + 1),
    ]
    lines += [
        f"| {name} | " + " | ".join(_cell(r, k) for _, k in COLUMNS) + (f" | {secs:.0f} |" if secs is not None else " | — |")
        for name, r, secs in rows
    ]
    linear = metrics.pca_background_mse(train.background["x"], test.target["x"], test.target["background"], background_dim)
    lines += ["", f"Background MSE of predicting the mean training crop: {baseline:.4f}; of PCA with "
              f"{background_dim} components (the background dimension) fit on the training background crops, "
              f"each test target projected onto them: {linear:.4f}.", ""]
    return lines


def _flag(name, value):
    """One parsed flag as it is typed: `--name v1 v2`, or `--name` for a switch."""
    flag = "--" + name.replace("_", "-")
    if value is True:
        return flag
    return f"{flag} {' '.join(map(str, value)) if isinstance(value, list) else value}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digits", nargs="+", default=["0,1", "all"])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--salient-dim", type=int, nargs="+", default=[2],
                        help="one per --digits setting (or one for all)")
    parser.add_argument("--background-dim", type=int, nargs="+", default=[16], help="one per --digits setting (or one for all)")
    parser.add_argument("--summary-every", type=int, default=4, help="TensorBoard images and histograms every this many epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--composites", default="fresh", help="'fresh' or training targets per digit (see tfvae train)")
    parser.add_argument("--epoch-size", type=int, nargs="+", default=[4000],
                        help="pairs per epoch, one per --digits setting (or one for all)")
    parser.add_argument("--runs", default="runs/separation-benchmark")
    parser.add_argument("--only", nargs="*", default=None, help="run only the rows whose name contains one of these")
    parser.add_argument("--skip", nargs="*", default=None, help="leave out the rows whose name contains one of these")
    parser.add_argument("--reuse", action="store_true",
                        help="read rows whose run folder already holds metrics.json instead of training them again "
                             "(their seconds are those the run recorded in benchmark_seconds.json, or —); without "
                             "it a row whose folder holds a finished run stops the command (tfvae train never "
                             "trains over one)")
    parser.add_argument("--mmd-weight", default="1",
                        help="MMD weight of the +MMD row (weight 10 lost the salient space on 1 of 3 seeds on digits 0/1; "
                             "see docs/separation_benchmark.md)")
    parser.add_argument("--out", default=None, help="markdown file for the table")
    args = parser.parse_args()
    per_setting = {}
    for name in ("salient_dim", "background_dim", "epoch_size"):
        values = getattr(args, name)
        if len(values) not in (1, len(args.digits)):
            parser.error(f"give one --{name.replace('_', '-')}, or one per --digits setting")
        per_setting[name] = values * len(args.digits) if len(values) == 1 else values
    lines = []
    for digits, *setting in zip(args.digits, *(per_setting[k] for k in ("salient_dim", "background_dim", "epoch_size"))):
        lines += run_setting(digits, *setting, args)
        print("\n".join(lines), flush=True)
    if args.out:
        command = "python benchmarks/separation.py " + " ".join(_flag(k, v) for k, v in vars(args).items() if v is not None and v is not False)
        header = [
            "# Separation benchmark: mnist_on_grass",
            "",
            f"Made by `{command}` on 2 CPU cores.",
            "Every tfvae row is a `tfvae train` run with conv networks, Normal likelihood with a",
            "learned global scale, Adam 1e-3, batch 64, training pairs streamed with a fresh grass",
            "crop for every example (`--composites fresh`); ContrastiveVAE rows use the additive",
            "decoder (`--decoder additive`, the default) unless marked joint; silhouettes",
            "and ARI are on the test split (digits and texture regions unseen in training).",
            "",
        ]
        with open(args.out, "w") as f:
            f.write("\n".join(header + lines))


if __name__ == "__main__":
    main()
