"""Throughput on an accelerator: tfvae's models against the plain-Keras references of
`benchmarks/train_speed.py`, under float32, mixed precision and XLA, and
MirroredStrategy's scaling where there are several GPUs. `benchmarks/gpu.sh` runs it.

Every model is built and warmed up (one untimed epoch, compilation included), then
each is timed one epoch in turn, `--rounds` rounds; ratios are against the float32
plain-Keras reference in the same round (median and range).

    python benchmarks/gpu_speed.py [--rounds 5] [--batch-size 512] [--smoke]
"""

import argparse
import statistics
import sys

import keras
import numpy as np
import tensorflow as tf

import pipelines
import tfvae
from train_speed import (BACKGROUND, FILTERS, LATENT, SALIENT, PlainContrastiveVAE, PlainKerasVAE, epoch_rate,
                         prepare, project_networks, ratio_cells, table)
from tfvae.networks import conv_decoder, conv_encoder

#: (label, mixed-precision policy or None, jit_compile, tfvae input checks)
VARIANTS = (
    ("float32", None, False, True),
    ("float32, XLA", None, True, False),
    ("mixed_float16, XLA", "mixed_float16", True, False),
    ("mixed_bfloat16, XLA", "mixed_bfloat16", True, False),
)


def build_vae(kind, validate, shape):
    if kind == "reference":
        return PlainKerasVAE(*project_networks(LATENT, shape), LATENT)
    return tfvae.VAE(shape, LATENT, architecture="conv", likelihood="bernoulli", network_kwargs={"filters": FILTERS},
                     validate_inputs=validate, seed=0)


def build_contrastive(kind, validate, shape):
    if kind == "reference":
        return PlainContrastiveVAE(conv_encoder(shape, 2 * SALIENT, FILTERS), conv_encoder(shape, 2 * BACKGROUND, FILTERS),
                                   conv_decoder(SALIENT + BACKGROUND, shape, 1, FILTERS))
    return tfvae.ContrastiveVAE(shape, SALIENT, BACKGROUND, network_kwargs={"filters": FILTERS},
                                validate_inputs=validate, seed=0)


def under_policy(policy, build, *args):
    """A model built under a dtype policy (its layers keep it), the global policy reset."""
    keras.mixed_precision.set_global_policy(policy or "float32")
    try:
        return build(*args)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def section(title, builder, data, args):
    """Every variant of the reference and of tfvae, built and warmed up, then timed one
    epoch each in turn for `--rounds` rounds; ratios to the float32 reference."""
    shape = (data["target"] if isinstance(data, dict) else data).shape[1:]
    models = {}
    for label, policy, jit, validate in VARIANTS:
        for kind in ("reference", "tfvae"):
            name = f"{kind}, {label}" + ("" if kind == "reference" else
                                         ", checks on (the default)" if validate else ", checks off")
            model = under_policy(policy, builder, kind, validate, shape)
            models[name] = prepare(model, data, args.batch_size, args.steps_per_execution, jit)
    rates = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            rates[name].append(epoch_rate(model, data, args.batch_size))
    cells = ratio_cells(rates, next(iter(models)))
    return f"**{title}**\n\n" + table(["run", "examples/s (median)", "ratio to float32 reference: median (range)"],
                                       [(name, *cells[name]) for name in models])


def mirrored_section(x, args):
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) < 2:
        return f"MirroredStrategy: skipped, {len(gpus)} GPU(s)."
    rows = []
    for count in (1, len(gpus)):
        with tf.distribute.MirroredStrategy([g.name for g in gpus[:count]]).scope():
            model = build_vae("tfvae", False, x.shape[1:])
        batch = args.batch_size * count
        prepare(model, x, batch)
        rate = statistics.median(epoch_rate(model, x, batch) for _ in range(args.rounds))
        rows.append((str(count), str(batch), f"{rate:,.0f}"))
    return "**MirroredStrategy, tfvae.VAE, checks off**\n\n" + table(["GPUs", "global batch", "examples/s"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed epochs per model")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--steps-per-execution", type=int, default=8)
    parser.add_argument("--copies", type=int, default=10, help="copies of the MNIST subset per epoch")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that checks the script on any machine")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.batch_size, args.copies = 1, 64, 1
    x, _ = pipelines.mnist_subset("train")
    x = np.concatenate([x] * args.copies)
    if args.smoke:
        x = x[:256]
    grass = pipelines.mnist_on_grass("train")
    n = min(len(x), len(grass.target["x"]) * args.copies)
    pairs = {"target": np.concatenate([grass.target["x"]] * args.copies)[:n],
             "background": np.concatenate([grass.background["x"]] * args.copies)[:n]}
    devices = tf.config.list_physical_devices("GPU")
    print(f"devices: {[d.name for d in devices] or 'no GPU'}; TensorFlow {tf.__version__}, Keras {keras.__version__}; "
          f"batch {args.batch_size}, steps_per_execution {args.steps_per_execution}, {len(x)} examples per epoch, "
          f"{args.rounds} rounds", flush=True)
    for part in (section("tfvae.VAE against the plain-Keras VAE (tfvae conv networks)", build_vae, x, args),
                 section("ContrastiveVAE (recommended) against the plain-Keras contrastive VAE", build_contrastive,
                         pairs, args),
                 mirrored_section(x, args)):
        print(part + "\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
