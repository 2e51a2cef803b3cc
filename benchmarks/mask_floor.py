"""How sharp a mask can a d-dimensional code draw: the floor under the mask-IoU goal.

A layered decoder's mask comes from (s, z); where the background latents hold no
digit, the digit's shape must pass through the salient code s alone (2 numbers on
`alpha_0123`). This trains a `tfvae.VAE` with that latent size on the *clean*
digits of the setting (no background at all) for the suite's budget, and prints
the IoU of its decoded mean > 0.5 against the test digit > 0.5, as
`tfvae.metrics.mask_iou` scores the layered decoder's mask; a VAE with the size of
s + z beside it. Training budget as in the suite (batch 64, Adam 1e-3).

    PYTHONPATH=.:benchmarks python benchmarks/mask_floor.py --latent 2 18 --steps 1200 6000
"""

import argparse

import keras
import numpy as np
import tensorflow as tf

import pipelines
import tfvae


def iou_after(images, test, latent_dim, steps, seed):
    """Mask IoU of a `VAE(latent_dim)` (Bernoulli likelihood) trained `steps` steps."""
    keras.utils.set_random_seed(seed)
    model = tfvae.VAE(images.shape[1:], latent_dim, architecture="auto")
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    stream = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed).repeat().batch(64)
    model.fit(stream, epochs=max(1, steps // 100), steps_per_epoch=100, verbose=0)
    decoded = model.decode(model.encode(test).mean()).mean().numpy()
    return tfvae.metrics.mask_iou(decoded, test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digits", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--latent", type=int, nargs="+", default=[2, 18])
    parser.add_argument("--steps", type=int, nargs="+", default=[1200])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    train, _ = pipelines.keep_digits(*pipelines.mnist_digits("train"), args.digits)
    test, _ = pipelines.keep_digits(*pipelines.mnist_digits("test"), args.digits)
    test = test[:1000]
    print("| latent size | steps | mask IoU per seed |\n|---:|---:|---|")
    for latent_dim in args.latent:
        for steps in args.steps:
            scores = [iou_after(train, test, latent_dim, steps, seed) for seed in args.seeds]
            print(f"| {latent_dim} | {steps} | " + " / ".join(f"{v:.3f}" for v in scores) + " |", flush=True)


if __name__ == "__main__":
    main()
