"""`tfvae data write`: a built-in dataset as TFRecord shards (`pipelines.write_tfrecords`).

Writes one set of one split (by default the training targets: `x`, `label` and any
ground truth) into `--out` as shard files plus `spec.json`. Read them back with
`pipelines.read_tfrecords(DIR)`, or summarize them with `tfvae data inspect DIR`.
"""

import pipelines

from tfvae.cli import data as cli_data

PROG = "tfvae data write"


def add_arguments(parser):
    """Declares the flags of `tfvae data write`."""
    parser.add_argument("name", metavar="NAME", choices=cli_data.DATASETS,
                        help=f"built-in dataset: one of {', '.join(cli_data.DATASETS)}")
    parser.add_argument("--out", default=None, help="folder for the shards and spec.json (required)")
    parser.add_argument("--shards", type=int, default=1,
                        help="number of shard files (each holds ceil(examples / N) examples)")
    cli_data.add_selection_arguments(parser)
    parser.add_argument("--overwrite", action="store_true", help="replace shards an earlier write left in --out")


def run(args):
    """Writes the shards; returns their paths."""
    import keras

    if args.out is None:
        raise SystemExit(f"{PROG}: --out is required (on the command line or in --config).")
    fields = cli_data.select(args, args.name)
    num = len(fields["x"])
    if not 1 <= args.shards <= num:
        raise SystemExit(f"{PROG}: --shards must be between 1 and the number of examples ({num}); got {args.shards}.")
    progress = keras.utils.Progbar(num, unit_name="example")
    try:
        paths = pipelines.write_tfrecords(fields, args.out, examples_per_shard=-(-num // args.shards),
                                          overwrite=args.overwrite, on_batch=progress.add)
    except (FileExistsError, ValueError) as error:  # earlier shards, or a spec.json listing foreign files
        raise SystemExit(f"{PROG}: {error}") from None
    print(f"{num} examples of {args.name} ({args.split}, {args.set}; fields {', '.join(fields)}) "
          f"written as {len(paths)} shards to {args.out}")
    return paths
