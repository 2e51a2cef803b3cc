"""`tfvae export`: a run's trained model as a TensorFlow SavedModel for serving.

Written by the model's own `export()`: a VAE with `serve` (reconstruction),
`encode` (posterior mean and stddev) and `decode` (likelihood mean) signatures; a
ContrastiveVAE with `serve`, `encode` (both posteriors), `decode(s, z)` and
`separate` (reconstruction, background, foreground). Load the result with
`tf.saved_model.load(path)`.
"""

import os

from tfvae.cli import run_folder

PROG = "tfvae export"


def add_arguments(parser):
    """Declares the flags of `tfvae export`."""
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by tfvae train")
    parser.add_argument("--out", default=None, help="SavedModel folder (default: RUN_DIR/saved_model)")


def run(args):
    """Exports the run's model; returns the SavedModel folder."""
    model = run_folder.load_model(args.run_dir, PROG)
    out = args.out or os.path.join(args.run_dir, "saved_model")
    model.export(out, verbose=False)
    print(f"SavedModel written to {out}")
    return out
