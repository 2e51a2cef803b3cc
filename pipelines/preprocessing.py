"""Scaling, dynamic binarization and the shard/cache/shuffle/batch/prefetch chain."""

import tensorflow as tf

from pipelines.service import distribute
from pipelines.sources import as_examples, repeat_forever

# Model inputs: the keys that scaling and binarization touch. Ground-truth fields
# (`"foreground"`, the target's `"background"` crop) are scaled but never binarized.
IMAGE_KEYS = ("x", "target", "background", "foreground")
INPUT_KEYS = ("x", "target", "background")


def _to_unit(value):
    """uint8/uint16 -> float32 divided by the dtype maximum; other dtypes -> float32."""
    if value.dtype in (tf.uint8, tf.uint16):
        return tf.cast(value, tf.float32) / float(value.dtype.max)
    return tf.cast(value, tf.float32)


def scale_to_unit(data, keys=IMAGE_KEYS):
    """Maps uint8/uint16 images to float32 in [0, 1]; floats are cast to float32 as is.

    Args:
        data: `tf.data.Dataset` of example dicts (batched or not; batched is faster).
        keys: tuple of str. Fields to scale, where present.

    Returns:
        `data` itself when every such field already is float32, else the mapped dataset.
    """
    present = [k for k in keys if k in data.element_spec and data.element_spec[k].dtype != tf.float32]
    if not present:
        return data
    return data.map(
        lambda e: {**e, **{k: _to_unit(e[k]) for k in present}},
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )


def dynamic_binarize(data, seed=None, keys=INPUT_KEYS):
    """Replaces each pixel p in [0, 1] by a fresh Bernoulli(p) draw every epoch.

    Draws use stateless random ops keyed by a `tf.data.Dataset.random` stream that
    is re-randomized each iteration, so epochs differ but the whole sequence is
    reproducible under `seed` (and safe with parallel map).

    Args:
        data: `tf.data.Dataset` of float example dicts (batched or not).
        seed: int or None.
        keys: tuple of str. Fields to binarize, where present.
    """
    present = [k for k in keys if k in data.element_spec]
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)  # (2,) int64

    def draw(example, pair):
        out = dict(example)
        for i, key in enumerate(present):
            noise = tf.random.stateless_uniform(tf.shape(example[key]), seed=pair + [0, i])
            out[key] = tf.cast(noise < example[key], example[key].dtype)
        return out

    return tf.data.Dataset.zip(data, seeds).map(draw, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def batch_pipeline(
    data,
    global_batch_size,
    *,
    shuffle=True,
    seed=None,
    shuffle_buffer=10_000,
    cache=False,
    scale=True,
    binarize=False,
    repeat=False,
    drop_remainder=False,
    input_context=None,
    shard=True,
    service=None,
    service_mode="parallel_epochs",
):
    """The standard input chain: shard -> cache -> shuffle -> repeat -> batch -> scale
    -> binarize -> (tf.data service) -> prefetch, with AUTOTUNE parallelism.

    Scaling and binarization run on whole batches (vectorized), and the cache
    holds examples in their stored dtype (uint8 images take a quarter of float32).

    Deterministic under `seed`: the same seed gives the same batches, epoch after epoch.

    Args:
        data: arrays or `tf.data.Dataset` accepted by `pipelines.as_examples`.
        global_batch_size: int. Examples per step summed over all replicas.
        shuffle: bool. Shuffle with a buffer of `shuffle_buffer`, reshuffled each epoch.
        seed: int or None. Seeds shuffling and binarization.
        shuffle_buffer: int. Buffer size; >= dataset size gives a uniform shuffle.
        cache: bool or str. True: cache examples in memory; a path: on disk.
            Leave False for data larger than memory.
        scale: bool. Apply `scale_to_unit`.
        binarize: bool. Apply `dynamic_binarize` to the model inputs (floats in
            [0, 1], so keep `scale=True` for integer images).
        repeat: bool. Repeat forever (then pass `steps_per_epoch` to `fit`); a
            source of unknown size that yields nothing then raises while iterating.
        drop_remainder: bool. Drop a last partial batch (needed for static shapes, TPUs).
        input_context: optional `tf.distribute.InputContext` (from
            `strategy.distribute_datasets_from_function`). This worker then keeps
            every `num_input_pipelines`-th example and batches by the per-replica
            batch size.
        shard: bool. Set False when `data` is already split per worker (e.g.
            `read_tfrecords(..., input_context=...)` shards files).
        service: optional str. A tf.data service dispatcher address
            (`"grpc://host:port"`); everything before prefetch then runs on the
            service's workers (see `pipelines.service`). Batch order then depends
            on worker timing, so `seed` no longer fixes it.
        service_mode: str. `"parallel_epochs"` (each worker yields the whole
            pipeline: an epoch holds num_workers times the examples; use with
            `repeat=True`) or `"distributed_epoch"` (workers split the examples,
            each produced once per epoch; for finite array, folder or shard sources).

    Returns:
        A batched `tf.data.Dataset` of example dicts.
    """
    data = as_examples(data)
    batch_size = int(global_batch_size)
    if batch_size < 1:
        raise ValueError(f"global_batch_size must be a positive int, got {global_batch_size}.")
    if input_context is not None:
        batch_size = input_context.get_per_replica_batch_size(batch_size)
        if shard and input_context.num_input_pipelines > 1:
            data = data.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
    if cache:
        data = data.cache() if cache is True else data.cache(str(cache))
    if shuffle:
        data = data.shuffle(int(shuffle_buffer), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        data = repeat_forever(data, "batch_pipeline: data")
    data = data.batch(
        batch_size, drop_remainder=drop_remainder, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    if scale:
        data = scale_to_unit(data)
    if binarize:
        data = dynamic_binarize(data, seed)
    if service is not None:
        data = distribute(data, service, service_mode)
    options = tf.data.Options()
    options.deterministic = True
    return data.prefetch(tf.data.AUTOTUNE).with_options(options)
