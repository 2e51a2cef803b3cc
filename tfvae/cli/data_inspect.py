"""`tfvae data inspect`: what a built-in dataset or a set of TFRecord shards holds.

Prints the number of examples, each field's dtype, shape and value range, and how
many examples carry each label when there is a `label` field.
"""

import collections

import pipelines

from tfvae.cli import data as cli_data

PROG = "tfvae data inspect"
BATCH = 1024


def add_arguments(parser):
    """Declares the flags of `tfvae data inspect`."""
    parser.add_argument("source", metavar="PATH_OR_NAME",
                        help=f"a built-in dataset ({', '.join(cli_data.DATASETS)}; picked by the flags below), "
                             "a folder written by tfvae data write, or one of its shard files or a quoted glob of them")
    cli_data.add_selection_arguments(parser)


def run(args):
    """Prints the summary; returns it as a dict (see `summarize`)."""
    import tensorflow as tf

    batches, num, name = _source(args)
    try:
        summary = summarize(batches, num)
    except tf.errors.OpError as error:  # a shard damaged inside: find and name it
        if args.source in cli_data.DATASETS:
            raise
        try:
            pipelines.verify_tfrecords(args.source)
        except ValueError as damaged:
            raise SystemExit(f"{PROG}: {damaged}") from None
        raise SystemExit(f"{PROG}: {args.source!r} cannot be read: {error.message.splitlines()[-1].strip()}") from None
    print(_format(name, summary))
    return summary


def _source(args):
    """`(batches, number of examples, description)` of the source the flags name."""
    if args.source in cli_data.DATASETS:
        fields = cli_data.select(args, args.source)
        num = len(fields["x"])
        batches = ({key: value[i : i + BATCH] for key, value in fields.items()} for i in range(0, num, BATCH))
        return batches, num, f"{args.source} ({args.split}, {args.set})"
    try:
        data = pipelines.read_tfrecords(args.source)
    except FileNotFoundError as error:
        raise SystemExit(f"{PROG}: {args.source!r} is neither a built-in dataset ({', '.join(cli_data.DATASETS)}) "
                         f"nor TFRecord shards: {error}") from None
    except ValueError as error:  # a damaged spec.json or shard, named in the message
        raise SystemExit(f"{PROG}: {error}") from None
    return data.batch(BATCH).as_numpy_iterator(), int(data.cardinality()), args.source


def summarize(batches, num=None):
    """Streams over batches once, keeping only running statistics.

    Args:
        batches: iterable of dicts of numpy arrays `(B, *shape)`.
        num: optional int. The expected number of examples (for the progress bar).

    Returns:
        Dict with `"num_examples"` (int), `"fields"` (`{key: {"dtype", "shape",
        "min", "max"}}`) and, with a `label` field, `"label_counts"` (`{label: count}`).
    """
    import keras

    progress = keras.utils.Progbar(num, unit_name="example")
    count, fields, labels = 0, {}, collections.Counter()
    for batch in batches:
        for key, values in batch.items():
            low, high = values.min().item(), values.max().item()
            field = fields.setdefault(key, {"dtype": values.dtype.name, "shape": list(values.shape[1:]), "min": low, "max": high})
            field["min"], field["max"] = min(field["min"], low), max(field["max"], high)
        if "label" in batch:
            labels.update(batch["label"].tolist())
        count += len(next(iter(batch.values())))
        progress.update(count)
    summary = {"num_examples": count, "fields": fields}
    if labels:
        summary["label_counts"] = dict(sorted(labels.items()))
    return summary


def _format(name, summary):
    """The summary as an aligned table."""
    rows = [("field", "dtype", "shape", "min", "max")]
    rows += [(key, f["dtype"], str(tuple(f["shape"])), f"{f['min']:.6g}", f"{f['max']:.6g}") for key, f in summary["fields"].items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"{name}: {summary['num_examples']} examples"]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    if "label_counts" in summary:
        lines.append("label counts: " + ", ".join(f"{label}: {n}" for label, n in summary["label_counts"].items()))
    return "\n".join(lines)
