"""How well any K numbers per example could describe the true background: the floor
under the decoded-background goals.

Fits principal components to 20,000 training background crops of an image setting
and prints the MSE of the test targets' true (unoccluded) background crops
projected onto the first K components. For a texture this linear code is what a
model with K background numbers per example (background latents plus a low-rank
likelihood's texture factors) can be expected to approach, and it sees pixels
that a composited digit hides.

    PYTHONPATH=.:benchmarks python benchmarks/background_floor.py grass_01 alpha_0123
"""

import argparse

import numpy as np

import suite_settings

COMPONENTS = (16, 32, 48, 64, 128)


def projection_errors(train, test, components=COMPONENTS):
    """MSE of `test` (N, D) on the mean of `train` (M, D) plus its first K principal
    components, for K in `components`; key 0 is the mean alone."""
    mean = train.mean(0)
    _, _, basis = np.linalg.svd(train - mean, full_matrices=False)
    centred = test - mean
    errors = {0: float(np.mean(np.square(centred)))}
    for k in components:
        errors[k] = float(np.mean(np.square(centred - centred @ basis[:k].T @ basis[:k])))
    return errors


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
        errors = projection_errors(train.reshape(len(train), -1), test.reshape(len(test), -1))
        print(f"| {name} | " + " | ".join(f"{errors[k]:.4f}" for k in (0, *COMPONENTS)) + " |")


if __name__ == "__main__":
    main()
