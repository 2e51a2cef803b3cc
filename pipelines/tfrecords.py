"""TFRecord shards: write arrays, folders or datasets to disk, stream them back.

Each record is a `tf.train.Example` with one bytes feature per field holding the
field's raw little-endian bytes; `spec.json` beside the shards records every
field's dtype and shape and each shard's example count, so reading needs no
guessing and the dataset's cardinality is known. Reading parses whole batches of
records at once (`tf.io.parse_example` + `tf.io.decode_raw`) and holds only a few
batches in memory, whatever the size on disk.
"""

import fnmatch
import json
import os

import tensorflow as tf

from pipelines.example_codec import encode_batch, parser
from pipelines.image_folder import from_image_folder
from pipelines.sources import as_examples, check_fields

SPEC_FILE = "spec.json"


def write_tfrecords(data, directory, examples_per_shard=10_000, prefix="shard", overwrite=False, on_batch=None):
    """Writes `data` as TFRecord shards plus `spec.json` into `directory`.

    Args:
        data: arrays, dict of arrays, a `tf.data.Dataset` (see `pipelines.as_examples`),
            or a str naming an image folder (see `pipelines.from_image_folder`).
            Every field needs a fully known shape.
        directory: str. Created if missing.
        examples_per_shard: int. Examples per file.
        prefix: str. Shard file name prefix.
        overwrite: bool. Replace shards written there before; otherwise refuse.
        on_batch: optional callable, called with the number of examples of each
            batch once it is written (e.g. to advance a progress bar).

    Returns:
        List of the shard paths written.

    Raises:
        FileExistsError: `directory` already holds shards and `overwrite` is False.
        ValueError: a field without a fully known shape, or an empty source.
    """
    spec, batches = _numpy_batches(data)
    os.makedirs(directory, exist_ok=True)
    _clear(directory, overwrite)
    shards, writer, count = [], None, 0
    for batch in batches:
        for record in encode_batch(batch, spec):  # (record_size,) uint8
            if writer is None or count == examples_per_shard:
                writer, count = _next_shard(writer, shards, count, directory, prefix)
            writer.write(record.tobytes())
            count += 1
        if on_batch is not None:
            on_batch(len(next(iter(batch.values()))))
    if writer is None:
        raise ValueError("nothing to write: the source has no examples.")
    writer.close()
    shards[-1]["num_examples"] = count
    with open(os.path.join(directory, SPEC_FILE), "w") as f:
        json.dump({"fields": spec, "shards": shards}, f, indent=1)
    return [os.path.join(directory, s["file"]) for s in shards]


def read_tfrecords(directory, shuffle_files=False, seed=None, input_context=None, cycle_length=4, parse_batch=256):
    """Streams shards written by `write_tfrecords` as unbatched example dicts.

    Args:
        directory: str. Holds the shards and `spec.json`; or a shard file or glob
            of shard files there (e.g. `"shards/shard-0000[0-3].tfrecord"`): only
            those are read.
        shuffle_files: bool. Shuffle the shard order (each epoch, under `seed`).
        seed: int or None.
        input_context: optional `tf.distribute.InputContext`; this worker then reads
            only every `num_input_pipelines`-th shard (pass `shard=False` to
            `batch_pipeline` afterwards).
        cycle_length: int. Shards read concurrently (interleaved, deterministic).
        parse_batch: int. Records parsed per vectorized parse call.

    Returns:
        A `tf.data.Dataset` of dicts with the written dtypes and shapes and known
        cardinality.

    Raises:
        FileNotFoundError: no `spec.json` in `directory` (or beside the matched
            files), or no shard matches.
        ValueError: fewer shards than input pipelines.
    """
    directory, pattern = _directory_and_pattern(directory)
    path = os.path.join(directory, SPEC_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path!r} not found: write shards with pipelines.write_tfrecords first.")
    with open(path) as f:
        spec = json.load(f)
    shards = spec["shards"]
    if pattern is not None:
        shards = [s for s in shards if fnmatch.fnmatchcase(s["file"], pattern)]
        if not shards:
            raise FileNotFoundError(f"no shard in {directory!r} matches {pattern!r}.")
    if input_context is not None and input_context.num_input_pipelines > 1:
        pipelines = input_context.num_input_pipelines
        if len(shards) < pipelines:
            raise ValueError(
                f"{len(shards)} shards cannot be split over {pipelines} input pipelines; write more shards."
            )
        shards = shards[input_context.input_pipeline_id :: pipelines]
    files = tf.data.Dataset.from_tensor_slices([os.path.join(directory, s["file"]) for s in shards])
    if shuffle_files:
        files = files.shuffle(len(shards), seed=seed, reshuffle_each_iteration=True)
    records = files.interleave(
        tf.data.TFRecordDataset,
        cycle_length=min(int(cycle_length), len(shards)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    parse = parser(spec["fields"])
    data = records.batch(int(parse_batch)).map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    num_examples = sum(s["num_examples"] for s in shards)
    return data.unbatch().apply(tf.data.experimental.assert_cardinality(num_examples))


def _directory_and_pattern(path):
    """`(directory, None)` for a folder; `(folder, file pattern)` for a shard file or glob."""
    folder, name = os.path.split(path)
    if os.path.isfile(path) or any(char in name for char in "*?["):
        return folder, name
    return path, None


def _numpy_batches(data, batch_size=4096):
    """Returns `(fields, batches)`: each field's dtype and shape, and an iterator of
    dicts of numpy arrays, from arrays (never copied into TensorFlow) or a dataset."""
    if isinstance(data, (str, tf.data.Dataset)):
        data = from_image_folder(data) if isinstance(data, str) else as_examples(data)
        fields = {}
        for key, field in data.element_spec.items():
            if not field.shape.is_fully_defined():
                raise ValueError(f"field {key!r} has shape {field.shape}; TFRecord fields need fully known shapes.")
            fields[key] = {"dtype": field.dtype.name, "shape": field.shape.as_list()}
        return fields, data.batch(batch_size).prefetch(2).as_numpy_iterator()
    arrays = check_fields(data)
    fields = {key: {"dtype": a.dtype.name, "shape": list(a.shape[1:])} for key, a in arrays.items()}
    num = len(arrays["x"])
    return fields, ({k: a[i : i + batch_size] for k, a in arrays.items()} for i in range(0, num, batch_size))


def _clear(directory, overwrite):
    """Removes earlier shards when `overwrite`, otherwise refuses to mix with them."""
    path = os.path.join(directory, SPEC_FILE)
    if not os.path.exists(path):
        return
    if not overwrite:
        raise FileExistsError(f"{directory!r} already holds TFRecord shards; pass overwrite=True to replace them.")
    with open(path) as f:
        for shard in json.load(f)["shards"]:
            os.remove(os.path.join(directory, shard["file"]))
    os.remove(path)


def _next_shard(writer, shards, count, directory, prefix):
    """Closes the current shard (recording its size) and opens the next one."""
    if writer is not None:
        writer.close()
        shards[-1]["num_examples"] = count
    shards.append({"file": f"{prefix}-{len(shards):05d}.tfrecord", "num_examples": 0})
    return tf.io.TFRecordWriter(os.path.join(directory, shards[-1]["file"])), 0
