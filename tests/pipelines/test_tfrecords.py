"""TFRecord shards: exact round trips, standard records, per-worker file sharding."""

import json

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import pipelines


def _read_all(data):
    batch = next(iter(data.batch(10_000)))
    return {k: v.numpy() for k, v in batch.items()}


def _fields(n=25):
    rng = np.random.default_rng(1)
    return {
        "x": rng.integers(0, 256, (n, 6, 5, 1), dtype=np.uint8),
        "label": np.arange(n, dtype=np.int64),
        "weight": rng.normal(size=(n, 3)).astype(np.float32),
        "mask": rng.random(n) < 0.5,
    }


def test_round_trip_is_exact_with_known_cardinality(tmp_path):
    fields = _fields()
    paths = pipelines.write_tfrecords(fields, str(tmp_path), examples_per_shard=10)
    assert len(paths) == 3
    data = pipelines.read_tfrecords(str(tmp_path))
    assert int(data.cardinality()) == 25
    read = _read_all(data)
    order = np.argsort(read["label"])  # shards are interleaved
    for key, value in fields.items():
        assert read[key].dtype == value.dtype
        np.testing.assert_array_equal(read[key][order], value)


def test_records_are_standard_tf_examples(tmp_path):
    fields = _fields(3)
    path = pipelines.write_tfrecords(fields, str(tmp_path))[0]
    record = next(iter(tf.data.TFRecordDataset(path))).numpy()
    feature = tf.train.Example.FromString(record).features.feature
    assert sorted(feature) == sorted(fields)
    assert feature["x"].bytes_list.value[0] == fields["x"][0].tobytes()
    assert feature["weight"].bytes_list.value[0] == fields["weight"][0].astype("<f4").tobytes()


def test_folder_to_shards_matches_folder_source(tmp_path):
    rng = np.random.default_rng(2)
    for i in range(4):
        folder = tmp_path / "images" / f"class{i % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (7, 7), dtype=np.uint8)).save(folder / f"{i}.png")
    pipelines.write_tfrecords(str(tmp_path / "images"), str(tmp_path / "shards"))
    expected = _read_all(pipelines.from_image_folder(str(tmp_path / "images")))
    read = _read_all(pipelines.read_tfrecords(str(tmp_path / "shards")))
    np.testing.assert_array_equal(read["x"], expected["x"])
    np.testing.assert_array_equal(read["label"], expected["label"])


def test_existing_shards_are_not_overwritten_silently(tmp_path):
    pipelines.write_tfrecords(_fields(5), str(tmp_path))
    with pytest.raises(FileExistsError, match="overwrite=True"):
        pipelines.write_tfrecords(_fields(5), str(tmp_path))
    pipelines.write_tfrecords(_fields(7), str(tmp_path), examples_per_shard=3, overwrite=True)
    assert int(pipelines.read_tfrecords(str(tmp_path)).cardinality()) == 7
    assert len(list(tmp_path.glob("*.tfrecord"))) == 3


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="write_tfrecords"):
        pipelines.read_tfrecords(str(tmp_path))
    pipelines.write_tfrecords(_fields(5), str(tmp_path))
    context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=0, num_replicas_in_sync=2)
    with pytest.raises(ValueError, match="1 shards cannot be split over 2"):
        pipelines.read_tfrecords(str(tmp_path), input_context=context)


def test_two_workers_read_every_example_exactly_once(tmp_path):
    pipelines.write_tfrecords(_fields(25), str(tmp_path), examples_per_shard=4)
    assert len(json.loads((tmp_path / "spec.json").read_text())["shards"]) == 7
    labels = []
    for worker in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=worker, num_replicas_in_sync=2)
        data = pipelines.read_tfrecords(str(tmp_path), shuffle_files=True, seed=0, input_context=context)
        batches = pipelines.batch_pipeline(data, 4, seed=0, input_context=context, shard=False)
        labels.append(np.concatenate([b["label"].numpy() for b in batches]))
    assert len(set(labels[0]) & set(labels[1])) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate(labels)), np.arange(25))


def test_shuffled_file_order_is_reproducible_under_a_seed(tmp_path):
    pipelines.write_tfrecords(_fields(25), str(tmp_path), examples_per_shard=2)
    orders = [
        _read_all(pipelines.read_tfrecords(str(tmp_path), shuffle_files=True, seed=seed))["label"] for seed in (3, 3, 4)
    ]
    np.testing.assert_array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[0], orders[2])


def test_a_shard_file_or_glob_reads_only_those_shards(tmp_path):
    written = []
    pipelines.write_tfrecords(_fields(), str(tmp_path), examples_per_shard=10, on_batch=written.append)
    assert sum(written) == 25
    some = pipelines.read_tfrecords(str(tmp_path / "shard-0000[02].tfrecord"))
    assert int(some.cardinality()) == 15
    assert sorted(_read_all(some)["label"]) == list(range(10)) + list(range(20, 25))
    assert int(pipelines.read_tfrecords(str(tmp_path / "shard-00001.tfrecord")).cardinality()) == 10
    with pytest.raises(FileNotFoundError, match="no shard"):
        pipelines.read_tfrecords(str(tmp_path / "other-*.tfrecord"))
