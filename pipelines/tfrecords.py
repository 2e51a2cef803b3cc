"""TFRecord shards: write arrays, folders or datasets to disk, stream them back.

Each record is a `tf.train.Example` with one bytes feature per field holding the
field's raw little-endian bytes; `spec.json` beside the shards records every
field's dtype and shape and each shard's example count, so reading needs no
guessing and the dataset's cardinality is known. Reading parses whole batches of
records at once (`tf.io.parse_example` + `tf.io.decode_raw`) and holds only a few
batches in memory, whatever the size on disk.

Every file is written under a temporary name in the same folder, flushed to disk
and moved into place with `os.replace`, and the shards before `spec.json`: a crash
never leaves a partial file under a shard's or the spec's name, and an
overwrite keeps the earlier shards readable until the new ones are complete. Only
names of the form `PREFIX-NNNNN.tfrecord` in the folder itself are ever deleted or
read, whatever a `spec.json` lists.
"""

import fnmatch
import json
import os
import re
import secrets

import tensorflow as tf

from pipelines.example_codec import encode_batch, parser, record_size
from pipelines.image_folder import from_image_folder
from pipelines.sources import as_examples, check_fields

SPEC_FILE = "spec.json"
SHARD_NAME = re.compile(r"[^/\\:\x00]+-\d{5}\.tfrecord")  # `_next_shard`'s names: no folder, no drive
RECORD_FRAMING = 16  # bytes around each TFRecord: uint64 length, its crc32c, the data's crc32c


def write_tfrecords(data, directory, examples_per_shard=10_000, prefix="shard", overwrite=False, on_batch=None):
    """Writes `data` as TFRecord shards plus `spec.json` into `directory`.

    Args:
        data: arrays, dict of arrays, a `tf.data.Dataset` (see `pipelines.as_examples`),
            or a str naming an image folder (see `pipelines.from_image_folder`).
            Every field needs a fully known shape.
        directory: str. Created if missing.
        examples_per_shard: int. Examples per file.
        prefix: str. Shard file name prefix (a plain name, no folder).
        overwrite: bool. Replace shards written there before (they are removed
            only once the new ones are complete); otherwise refuse.
        on_batch: optional callable, called with the number of examples of each
            batch once it is written (e.g. to advance a progress bar).

    Returns:
        List of the shard paths written.

    Raises:
        FileExistsError: `directory` already holds shards and `overwrite` is False.
        ValueError: a field without a fully known shape, an empty source, a prefix
            naming a folder, or (with `overwrite`) a `spec.json` there that lists
            files `write_tfrecords` does not write (nothing is deleted then).
    """
    if not SHARD_NAME.fullmatch(f"{prefix}-00000.tfrecord") or str(prefix).startswith("."):
        raise ValueError(f"prefix must be a plain file name prefix without folders, got {prefix!r}.")
    spec, batches = _numpy_batches(data)
    os.makedirs(directory, exist_ok=True)
    previous = _previous_files(directory, overwrite)
    shards, temporary, writer, count = [], [], None, 0
    try:
        for batch in batches:
            for record in encode_batch(batch, spec):  # (record_size,) uint8
                if writer is None or count == examples_per_shard:
                    writer, count = _next_shard(writer, shards, temporary, count, directory, prefix)
                writer.write(record.tobytes())
                count += 1
            if on_batch is not None:
                on_batch(len(next(iter(batch.values()))))
        if writer is None:
            raise ValueError("nothing to write: the source has no examples.")
        _close(writer, temporary[-1])
        writer = None
        shards[-1]["num_examples"] = count
        temporary.append(_temporary_file(directory, SPEC_FILE))
        with open(temporary[-1], "w") as f:
            json.dump({"fields": spec, "shards": shards}, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        # The earlier spec goes first: no spec.json ever lists a mix of old and new shards.
        for path in previous:
            _remove(path)
        for temp, name in zip(temporary, [s["file"] for s in shards] + [SPEC_FILE]):
            os.replace(temp, os.path.join(directory, name))
        _sync_folder(directory)
    except BaseException:
        if writer is not None:
            writer.close()
        for temp in temporary:
            _remove(temp)
        raise
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
            files), no shard matches, or a listed shard is missing.
        ValueError: fewer shards than input pipelines; a `spec.json` not written
            by `write_tfrecords`; a shard whose size differs from what `spec.json`
            promises (truncated or changed), named in the message.
    """
    directory, pattern = _directory_and_pattern(directory)
    spec, shards = _shards(directory, pattern)
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


def verify_tfrecords(directory):
    """Reads every record of the shards (checking each record's checksums).

    `read_tfrecords` already checks each shard's size when it is called; this
    finds shards damaged inside (e.g. after reading fails with a `DataLossError`).

    Args:
        directory: str. As for `read_tfrecords`.

    Raises:
        ValueError: naming the first shard whose records cannot be read.
        FileNotFoundError: as for `read_tfrecords`.
    """
    directory, pattern = _directory_and_pattern(directory)
    for shard in _shards(directory, pattern)[1]:
        path = os.path.join(directory, shard["file"])
        try:
            for _ in tf.data.TFRecordDataset(path).batch(1024):
                pass
        except tf.errors.OpError as error:
            raise ValueError(f"shard {path!r} is damaged: {error.message.splitlines()[-1].strip()}") from None


def _shards(directory, pattern=None):
    """`(spec, shard entries)` of `directory`'s `spec.json`, those matching `pattern`,
    each checked to exist with the size its example count gives."""
    path = os.path.join(directory, SPEC_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path!r} not found: write shards with pipelines.write_tfrecords first.")
    spec = _load_spec(path)
    shards = spec["shards"]
    if pattern is not None:
        shards = [s for s in shards if fnmatch.fnmatchcase(s["file"], pattern)]
        if not shards:
            raise FileNotFoundError(f"no shard in {directory!r} matches {pattern!r}.")
    size = record_size(spec["fields"]) + RECORD_FRAMING
    for shard in shards:
        file = os.path.join(directory, shard["file"])
        if not os.path.isfile(file):
            raise FileNotFoundError(f"shard {file!r} listed in {path!r} is missing.")
        expected, actual = shard["num_examples"] * size, os.path.getsize(file)
        if actual != expected:
            raise ValueError(
                f"shard {file!r} holds {actual} bytes, but {path!r} gives it {shard['num_examples']} records of "
                f"{size} bytes ({expected} bytes): the file is truncated or was changed; write the shards again."
            )
    return spec, shards


def _load_spec(path):
    """The parsed `spec.json` at `path`, with every shard name checked (see `SHARD_NAME`)."""
    try:
        with open(path) as f:
            spec = json.load(f)
        shards = spec["shards"]
        if not (isinstance(spec["fields"], dict) and isinstance(shards, list)):
            raise TypeError("'fields' must be a dict and 'shards' a list")
        for shard in shards:
            if not (isinstance(shard["file"], str) and isinstance(shard["num_examples"], int)):
                raise TypeError(f"a shard entry needs a str 'file' and an int 'num_examples', got {shard!r}")
    except (ValueError, KeyError, TypeError) as error:  # json's errors are ValueErrors
        raise ValueError(f"{path!r} is not a spec.json written by pipelines.write_tfrecords ({error!r}).") from None
    for shard in shards:
        if not SHARD_NAME.fullmatch(shard["file"]):
            raise ValueError(
                f"{path!r} lists {shard['file']!r}, which is not a shard name write_tfrecords gives "
                f"(PREFIX-NNNNN.tfrecord, inside the folder); refusing to read or delete it. "
                f"If the folder is yours, remove {path!r} yourself."
            )
    return spec


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


def _previous_files(directory, overwrite):
    """The earlier `spec.json` and its shards, to remove once the new ones are written;
    refuses to mix with them unless `overwrite`. Only checked shard names are listed."""
    path = os.path.join(directory, SPEC_FILE)
    if not os.path.lexists(path):
        return []
    if not overwrite:
        raise FileExistsError(f"{directory!r} already holds TFRecord shards; pass overwrite=True to replace them.")
    return [path] + [os.path.join(directory, shard["file"]) for shard in _load_spec(path)["shards"]]


def _next_shard(writer, shards, temporary, count, directory, prefix):
    """Closes the current shard (recording its size) and opens the next one, under a
    temporary name (appended to `temporary`)."""
    if writer is not None:
        _close(writer, temporary[-1])
        shards[-1]["num_examples"] = count
    shards.append({"file": f"{prefix}-{len(shards):05d}.tfrecord", "num_examples": 0})
    temporary.append(_temporary_file(directory, shards[-1]["file"]))
    return tf.io.TFRecordWriter(temporary[-1]), 0


def _temporary_file(directory, name):
    """Creates an empty, hidden file in `directory` for the later `name` (with the
    permissions a plain `open` gives); returns its path."""
    while True:
        path = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return path
        except FileExistsError:
            continue


def _close(writer, path):
    """Closes a TFRecord writer and flushes its file to disk."""
    writer.close()
    _fsync(path)


def _sync_folder(directory):
    """Flushes `directory`'s entries (the renames) to disk where the OS allows it."""
    if os.name == "posix":
        _fsync(directory)


def _fsync(path):
    """Flushes a file's (or a folder's) data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path):
    """Removes a file if it exists."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
