"""Where a ContrastiveVAE's background error lies: under the digit, elsewhere, on grass alone.

For each run folder (a `tfvae train` ContrastiveVAE run on mnist_on_grass), prints
the MSE of `separate(x)["background"]` against the true crop on the test targets,
split into the pixels the digit touches (|foreground| > 0.02) and the rest, and the
MSE of the background decoded from background-only test crops (grass alone: the
background path's own capacity, with no digit to remove).

    python benchmarks/background_error.py runs/separation-benchmark/all-contrastivevae-... ...
"""

import argparse
import os

import keras
import numpy as np

import pipelines
from tfvae import metrics
from tfvae.cli import run_folder


def background_errors(folder, background_crops=1000):
    """`model_background_errors` of a run folder's model on its test split."""
    flags = run_folder.load_flags(folder, "background_error")
    digits = None if flags.digits is None else tuple(flags.digits)
    data = pipelines.mnist_on_grass("test", digits=digits, seed=flags.seed)
    model = keras.saving.load_model(os.path.join(folder, run_folder.MODEL_FILE))
    return model_background_errors(model, data, background_crops)[:5]


def model_background_errors(model, data, background_crops=1000):
    """`(target MSE, under the digit, elsewhere, digit share of pixels, grass alone,
    foreground correlation)` of `model` on a test split `data`."""
    target = data.target
    parts = model.separate(target["x"])
    error = (np.asarray(parts["background"]) - target["background"]) ** 2
    digit = np.abs(target["foreground"]) > 0.02
    grass = data.background["x"][:background_crops]
    alone = metrics.mse(model.separate(grass)["background"], grass)
    corr = metrics.correlation(parts["foreground"], target["foreground"])
    return float(error.mean()), float(error[digit].mean()), float(error[~digit].mean()), float(digit.mean()), alone, corr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="run folders of ContrastiveVAE runs (tfvae train)")
    args = parser.parse_args()
    print("| run | background MSE | under the digit | elsewhere | digit pixels | grass alone |\n|---|---:|---:|---:|---:|---:|")
    for folder in args.runs:
        total, under, elsewhere, share, alone = background_errors(folder)
        print(f"| {folder} | {total:.4f} | {under:.4f} | {elsewhere:.4f} | {share:.2f} | {alone:.4f} |", flush=True)


if __name__ == "__main__":
    main()
