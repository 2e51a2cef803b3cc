"""Shared harness of the recipe experiments (#28): a change to the recommended
ContrastiveVAE, applied in the experiment's own processes only, timed against the
recipe and the plain-Keras contrastive VAE, and trained on suite settings.

An experiment script supplies its variants, `{key: (label, patch)}` with `patch()`
applied before the variant's models are built, and calls `main(variants, doc)`;
each variant's runs go to `RUNS/<key>/`. Nothing in tfvae changes.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

import numpy as np

KEYS = ("salient_silhouette", "background_silhouette", "background_mse", "seconds")


def speed(patch, label, count):
    """Pairs/s of the recipe and the patched recipe against the plain contrastive VAE,
    alternating epochs in this process (the recipe is built before the patch)."""
    import pipelines
    import tfvae
    from train_speed import (BACKGROUND, FILTERS, SALIENT, PlainContrastiveVAE, epoch_rate, prepare, ratio_cells,
                             table)
    from tfvae.networks import conv_decoder, conv_encoder

    grass = pipelines.mnist_on_grass("train")
    data = {"target": grass.target["x"], "background": grass.background["x"][: len(grass.target["x"])]}
    shape = data["target"].shape[1:]
    recipe = lambda: tfvae.ContrastiveVAE(shape, SALIENT, BACKGROUND, network_kwargs={"filters": FILTERS}, seed=0)
    models = {"plain Keras contrastive VAE": prepare(PlainContrastiveVAE(
        conv_encoder(shape, 2 * SALIENT, FILTERS), conv_encoder(shape, 2 * BACKGROUND, FILTERS),
        conv_decoder(SALIENT + BACKGROUND, shape, 1, FILTERS)), data, 128)}
    models["recommended"] = prepare(recipe(), data, 128)
    patch()
    models[f"recommended, {label}"] = prepare(recipe(), data, 128)
    rates = {name: [] for name in models}
    for _ in range(count):
        for name, model in models.items():
            rates[name].append(epoch_rate(model, data, 128))
    cells = ratio_cells(rates, next(iter(models)))
    print(table(["model", "pairs/s (median)", "ratio: median (range)"], [(n, *cells[n]) for n in models]))


def _cell(run, key):
    return f"{run[key]:.4f}" if run and key in run else "–"


def report(runs, folder, label, settings, seeds):
    """Prints each run beside the stored recipe run of the same setting and seed
    (where `runs` holds one), then the means and worst seeds."""
    import separation

    load = lambda path: json.load(open(path)) if os.path.exists(path) else None
    print("| setting | seed | " + " | ".join(f"{k}: recipe / {label}" for k in KEYS) + " |")
    print("|---|---|" + "---|" * len(KEYS))
    summary = []
    for name in settings:
        new = [load(os.path.join(runs, folder, f"{name}-{seed}.json")) for seed in seeds]
        old = [load(separation.run_path(runs, name, "recommended", seed)) for seed in seeds]
        for seed, a, b in zip(seeds, old, new):
            print(f"| {name} | {seed} | " + " | ".join(f"{_cell(a, k)} / {_cell(b, k)}" for k in KEYS) + " |")
        values = [run["salient_silhouette"] for run in new if run]
        if values:
            summary.append(f"| {name} | {np.mean(values):.3f} ({min(values):.3f}) | {len(values)} |")
    print("\n| setting | salient silhouette: mean (worst) | seeds |\n|---|---|---|")
    print("\n".join(summary))


def main(variants, doc):
    """The command line of an experiment script: `--speed`, or train a variant's
    recommended row on `--settings` x `--seeds` (missing runs only) and report."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--runs", required=True, help="the suite's run folder (stored recipe runs, and this experiment's)")
    parser.add_argument("--settings", nargs="+", default=["grass_01", "alpha_0123"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--speed", action="store_true", help="time the recipe and the patched one instead")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--variant", choices=list(variants), default=next(iter(variants)))
    parser.add_argument("--one", nargs=2, metavar=("SETTING", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    import separation

    folder = args.variant
    label, patch = variants[folder]
    if args.speed:
        return speed(patch, label, args.rounds)
    out = lambda name, seed: os.path.join(args.runs, folder, f"{name}-{seed}.json")
    if args.one:
        patch()
        metrics = separation.train_and_score(args.one[0], "recommended", int(args.one[1]))
        os.makedirs(os.path.dirname(out(*args.one)), exist_ok=True)
        with open(out(*args.one), "w") as f:
            json.dump(metrics, f, indent=2)
        print(args.one, {k: round(v, 4) for k, v in metrics.items()}, flush=True)
        return
    jobs = [(name, seed) for name in args.settings for seed in args.seeds if not os.path.exists(out(name, seed))]
    command = lambda job: [sys.executable, sys.argv[0], "--runs", args.runs, "--variant", folder, "--one", *map(str, job)]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda job: subprocess.call(command(job)), jobs))
    report(args.runs, folder, label, args.settings, args.seeds)
