"""How well a 64-d VAE can reconstruct grass alone: conv decoder, with a linear skip, and PCA.

Trains `tfvae.VAE` (conv networks, Normal likelihood with one learned scale starting
at 0.1, Adam 1e-3, batch 64) on the background-only crops of mnist_on_grass's
training split (5 crops per training digit) and prints the test MSE of its
reconstructions of background-only test crops, once with the conv networks alone
and once with `linear_skip=True`, beside PCA with as many components fit on the
same training crops and the mean training crop. It isolates the background path
from the separation: what the ContrastiveVAE's background decoder could reach.

    python benchmarks/background_capacity.py --steps 1800 --latent-dim 64
"""

import argparse

import keras
import tensorflow as tf

import pipelines
import tfvae
from tfvae import metrics
from tfvae.layers import Normal


def vae_mse(train, test, latent_dim, steps, linear_skip, seed):
    """Test MSE of a conv VAE's reconstructions (posterior mean, likelihood mean)."""
    keras.utils.set_random_seed(seed)
    likelihood = Normal(train.shape[1:], scale="global", fixed_scale=0.1)
    model = tfvae.VAE(train.shape[1:], latent_dim, architecture="conv", likelihood=likelihood,
                      network_kwargs={"linear_skip": linear_skip}, seed=seed)
    model.compile(keras.optimizers.Adam(1e-3))
    stream = tf.data.Dataset.from_tensor_slices(train).shuffle(len(train), seed=seed).repeat().batch(64)
    model.fit(stream, steps_per_epoch=steps, epochs=1, verbose=0)
    return metrics.mse(model.reconstruct(test), test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1800)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--test", type=int, default=1000, help="background-only test crops scored")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    train = pipelines.mnist_on_grass("train", seed=args.seed, composites=5).background["x"]
    test = pipelines.mnist_on_grass("test", seed=args.seed).background["x"][: args.test]
    rows = [
        ("mean training crop", metrics.mean_background_mse(train, test)),
        # Each crop is its own target: PCA's reconstruction of grass alone.
        (f"PCA, {args.latent_dim} components", metrics.pca_background_mse(train, test, test, args.latent_dim)),
    ]
    for name, skip in (("conv VAE", False), ("conv VAE + linear skip", True)):
        rows.append((name, vae_mse(train, test, args.latent_dim, args.steps, skip, args.seed)))
    print(f"| grass crops alone, latent {args.latent_dim}, {args.steps} steps | test MSE |\n|---|---:|")
    for name, mse in rows:
        print(f"| {name} | {mse:.4f} |")


if __name__ == "__main__":
    main()
