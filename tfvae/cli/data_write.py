"""`tfvae data write`: a built-in dataset as TFRecord shards (`pipelines.write_tfrecords`).

Writes one split (by default the training split) into `--out` as shard files plus
`spec.json`: of a dataset with a background set, both sets by default, the targets
(`x`, `label` and any ground truth) into `OUT/target` and the background-only
examples into `OUT/background`, ready for `tfvae train --target OUT/target
--background OUT/background`; `--set` writes one set into `OUT` itself. Read
shards back with `pipelines.read_tfrecords(DIR)`, or summarize them with
`tfvae data inspect DIR`.
"""

import os

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
    cli_data.add_selection_arguments(parser, both=True)
    parser.add_argument("--overwrite", action="store_true", help="replace shards an earlier write left in --out")


def run(args):
    """Writes the shards; returns their paths."""
    if args.out is None:
        raise SystemExit(f"{PROG}: --out is required (on the command line or in --config).")
    if args.set != cli_data.BOTH:
        return _write(args, args.set, cli_data.select(args, args.name), args.out)
    sets = cli_data.select(args, args.name, cli_data.BOTH)
    if "background" not in sets:
        return _write(args, "target", sets["target"], args.out)  # no background set: the targets alone, as --set target
    paths = [path for name in cli_data.SETS for path in _write(args, name, sets[name], os.path.join(args.out, name))]
    print(f"train on them with: tfvae train --target {os.path.join(args.out, 'target')} "
          f"--background {os.path.join(args.out, 'background')}")
    return paths


def _write(args, name, fields, out):
    """Writes `fields`, set `name` of the selected split, into `out`; returns the shard paths."""
    import keras

    num = len(fields["x"])
    if not 1 <= args.shards <= num:
        raise SystemExit(f"{PROG}: --shards must be between 1 and the number of examples ({num}); got {args.shards}.")
    progress = keras.utils.Progbar(num, unit_name="example")
    try:
        paths = pipelines.write_tfrecords(fields, out, examples_per_shard=-(-num // args.shards),
                                          overwrite=args.overwrite, on_batch=progress.add)
    except (FileExistsError, ValueError) as error:  # earlier shards, or a spec.json listing foreign files
        message = str(error).replace("pass overwrite=True", "pass --overwrite")
        raise SystemExit(f"{PROG}: {message}") from None
    print(f"{num} examples of {args.name} ({args.split}, {name}; fields {', '.join(fields)}) "
          f"written as {len(paths)} shards to {out}")
    return paths
