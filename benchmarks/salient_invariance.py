"""How much of a ContrastiveVAE's salient space follows the grass rather than the digit.

Lays each of the first --digits-used test digits of mnist_on_grass over --crops
grass crops of the test half of the texture (unseen in training) and prints, for each
run folder, `tfvae.metrics.within_group_share` of the salient posterior means
grouped by digit: the share of their variance that changes with the crop alone, and
the salient silhouette of those digits over one crop and with their means averaged
over the crops (what a salient space blind to the grass would score, all else equal).

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
    """`within_group_share` of the run's salient means over `crops` crops per test digit,
    and the salient silhouette against the digit labels of the means over one crop
    and of the means averaged over the crops (the grass's part removed)."""
    flags = run_folder.load_flags(folder, "salient_invariance")
    digits = None if flags.digits is None else tuple(flags.digits)
    data = pipelines.mnist_on_grass("test", digits=digits, seed=flags.seed, composites=crops)
    per_crop = len(data.target["x"]) // crops  # x[i] and x[i + per_crop] show the same digit
    digit = np.tile(np.arange(per_crop), crops)
    keep = digit < digits_used
    model = keras.saving.load_model(os.path.join(folder, run_folder.MODEL_FILE))
    means = np.asarray(model.salient_embedding(data.target["x"][keep]))
    share = metrics.within_group_share(means, digit[keep])
    labels = data.target["label"][:per_crop][:digits_used]
    per_crop_means = means.reshape(crops, len(labels), -1)  # [crop, digit]
    one_crop = metrics.silhouette(per_crop_means[0], labels)
    averaged = metrics.silhouette(per_crop_means.mean(0), labels)
    return share, one_crop, averaged


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="run folders of ContrastiveVAE runs (tfvae train)")
    parser.add_argument("--digits-used", type=int, default=150, help="test digits, each over --crops crops")
    parser.add_argument("--crops", type=int, default=5)
    args = parser.parse_args()
    print("| run | salient variance within a digit (changes with the crop) | silhouette, one crop | "
          "silhouette, means over the crops |\n|---|---:|---:|---:|")
    for folder in args.runs:
        share, one_crop, averaged = grass_share(folder, args.digits_used, args.crops)
        print(f"| {folder} | {share:.3f} | {one_crop:.3f} | {averaged:.3f} |", flush=True)


if __name__ == "__main__":
    main()
