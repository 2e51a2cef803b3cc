"""How well any K numbers per example could describe the true background: the floor
under the decoded-background goals.

Fits principal components to 20,000 training background crops of an image setting
and prints the MSE of the test targets' true (unoccluded) background crops
projected onto the first K components (`tfvae.metrics.pca_background_mse` with the
true crops in place of the targets). For a texture this linear code is what a
model with K background numbers per example (background latents plus a low-rank
likelihood's texture factors) can be expected to approach, and it sees pixels
that a composited digit hides.

    PYTHONPATH=.:benchmarks python benchmarks/background_floor.py grass_01 alpha_0123
"""

import argparse

import numpy as np

import suite_settings
from tfvae import metrics

COMPONENTS = (16, 32, 48, 64, 128)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("settings", nargs="+")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print("| setting | mean crop | " + " | ".join(f"K = {k}" for k in COMPONENTS) + " |")
    print("|---|---:|" + "---:|" * len(COMPONENTS))
    for name in args.settings:
        data = suite_settings.load(name, args.seed)
        train = np.stack([pair["background"].numpy() for pair in data.train_pairs.take(20000)])
        test = data.test.target["background"][:1000]
        # The true crops stand in for the targets: what the components keep of the background itself.
        errors = [metrics.mean_background_mse(train, test)]
        errors += [metrics.pca_background_mse(train, test, test, k) for k in COMPONENTS]
        print(f"| {name} | " + " | ".join(f"{error:.4f}" for error in errors) + " |")


if __name__ == "__main__":
    main()
