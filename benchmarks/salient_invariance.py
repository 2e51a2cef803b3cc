"""How much of a ContrastiveVAE's salient space follows the grass rather than the digit.

Lays each of the first --digits-used test digits of mnist_on_grass over --crops
grass crops of the test half of the texture (unseen in training) and prints, for each
run folder, `tfvae.metrics.within_group_share` of the salient posterior means
grouped by digit: the share of their variance that changes with the crop alone.

    python benchmarks/salient_invariance.py runs/separation-benchmark/01-contrastivevae-plain ...
"""

import argparse
import os

import keras
import numpy as np

import pipelines
from tfvae import metrics
from tfvae.cli import run_folder


def grass_share(folder, digits_used, crops):
    """`within_group_share` of the run's salient means over `crops` crops per test digit."""
    flags = run_folder.load_flags(folder, "salient_invariance")
    digits = None if flags.digits is None else tuple(flags.digits)
    data = pipelines.mnist_on_grass("test", digits=digits, seed=flags.seed, composites=crops)
    per_crop = len(data.target["x"]) // crops  # x[i] and x[i + per_crop] show the same digit
    digit = np.tile(np.arange(per_crop), crops)
    keep = digit < digits_used
    model = keras.saving.load_model(os.path.join(folder, run_folder.MODEL_FILE))
    return metrics.within_group_share(model.salient_embedding(data.target["x"][keep]), digit[keep])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="run folders of ContrastiveVAE runs (tfvae train)")
    parser.add_argument("--digits-used", type=int, default=150, help="test digits, each over --crops crops")
    parser.add_argument("--crops", type=int, default=5)
    args = parser.parse_args()
    print("| run | salient variance within a digit (changes with the crop) |\n|---|---:|")
    for folder in args.runs:
        print(f"| {folder} | {grass_share(folder, args.digits_used, args.crops):.3f} |", flush=True)


if __name__ == "__main__":
    main()
