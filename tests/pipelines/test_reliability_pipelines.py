"""Issue 26 on the pipelines side: writes that a crash cannot truncate, deletions
that stay inside the shard folder, damaged files named, empty sources refused, and
arrays of any shape, dtype and value raising only ValueError or TypeError."""

import io
import json
import re

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

import pipelines


def _fields(n):
    return {"x": np.arange(n, dtype=np.uint8)[:, None], "label": np.arange(n, dtype=np.int64)}


def _labels(directory):
    return sorted(int(e["label"]) for e in pipelines.read_tfrecords(str(directory)))


# 1. Overwriting deletes only what the writer wrote, inside the folder.


def test_overwrite_never_deletes_files_a_spec_lists_outside_the_folder(tmp_path):
    folder = tmp_path / "shards"
    pipelines.write_tfrecords(_fields(5), str(folder))
    outside = [tmp_path / "absolute.txt", tmp_path / "relative.txt", tmp_path / "other-00000.tfrecord"]
    for path in outside:
        path.write_text("keep me")
    spec = json.loads((folder / "spec.json").read_text())
    for file in (str(outside[0]), "../relative.txt", "../other-00000.tfrecord"):
        spec["shards"] = [{"file": file, "num_examples": 1}, *spec["shards"][:1]]
        (folder / "spec.json").write_text(json.dumps(spec))
        with pytest.raises(ValueError, match="refusing to read or delete it"):
            pipelines.write_tfrecords(_fields(3), str(folder), overwrite=True)
        with pytest.raises(ValueError, match="refusing to read or delete it"):
            pipelines.read_tfrecords(str(folder))
    assert all(path.read_text() == "keep me" for path in outside)
    assert (folder / "shard-00000.tfrecord").exists()  # nothing deleted at all
    with pytest.raises(ValueError, match="plain file name prefix"):
        pipelines.write_tfrecords(_fields(3), str(folder), prefix="../shard")


# 2. Every file appears under its name only once complete.


def test_shard_names_appear_only_once_their_files_are_complete(tmp_path):
    seen = {}

    def look(_):  # after the first 4096-example batch: shard 0 full, shard 1 being written
        seen.update({p.name: p.stat().st_size for p in tmp_path.iterdir() if not p.name.startswith(".")})

    pipelines.write_tfrecords(_fields(5000), str(tmp_path), examples_per_shard=3000, on_batch=look)
    final = {p.name: p.stat().st_size for p in tmp_path.iterdir()}
    assert sorted(final) == ["shard-00000.tfrecord", "shard-00001.tfrecord", "spec.json"]  # no temporary left
    assert {name: final[name] for name in seen} == seen  # nothing seen under a final name while incomplete


def _fail_in_spec(monkeypatch):
    def dump(obj, f, **kwargs):
        f.write('{"fields": {')
        raise OSError("no space left on device")

    monkeypatch.setattr(json, "dump", dump)


def _fail_in_shards(_):
    raise KeyboardInterrupt


@pytest.mark.parametrize("fault", ["shards", "spec"])
def test_a_write_that_fails_leaves_the_earlier_shards_readable(tmp_path, monkeypatch, fault):
    pipelines.write_tfrecords(_fields(5), str(tmp_path), examples_per_shard=2)
    if fault == "spec":
        _fail_in_spec(monkeypatch)
    with pytest.raises(OSError if fault == "spec" else KeyboardInterrupt):
        pipelines.write_tfrecords(_fields(7), str(tmp_path), examples_per_shard=3, overwrite=True,
                                  on_batch=_fail_in_shards if fault == "shards" else None)
    monkeypatch.undo()
    assert _labels(tmp_path) == list(range(5))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"shard-0000{i}.tfrecord" for i in range(3)] + ["spec.json"]


# 4. Damaged files are named.


def test_read_names_a_truncated_or_missing_shard(tmp_path):
    pipelines.write_tfrecords(_fields(20), str(tmp_path), examples_per_shard=8)
    shard = tmp_path / "shard-00001.tfrecord"
    shard.write_bytes(shard.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"shard-00001\.tfrecord' holds .* truncated"):
        pipelines.read_tfrecords(str(tmp_path))
    assert int(pipelines.read_tfrecords(str(tmp_path / "shard-00000.tfrecord")).cardinality()) == 8
    (tmp_path / "shard-00002.tfrecord").unlink()
    with pytest.raises(FileNotFoundError, match=r"shard-00002\.tfrecord' listed in .* is missing"):
        pipelines.read_tfrecords(str(tmp_path / "shard-0000[02].tfrecord"))


def _png(value, size=(5, 5)):
    buffer = io.BytesIO()
    Image.fromarray(np.full(size, value, np.uint8)).save(buffer, "png")
    return buffer.getvalue()


def _jpeg():
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (16, 16), dtype=np.uint8)).save(buffer, "jpeg")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content", [
    ("b_cut.png", _png(9)[:40]),
    ("b_cut.jpg", _jpeg()[:200]),
    ("b_text.png", b"not an image"),
    ("b_empty.bmp", b""),
], ids=["cut_png", "cut_jpeg", "text", "empty"])
def test_image_folder_names_a_broken_image(tmp_path, name, content):
    (tmp_path / "a.png").write_bytes(_png(3))
    (tmp_path / name).write_bytes(content)
    data = pipelines.from_image_folder(str(tmp_path))
    with pytest.raises(tf.errors.InvalidArgumentError, match=name):
        list(data)
    (tmp_path / "a.png").unlink()  # now the first file, decoded at construction
    with pytest.raises(ValueError, match=re.escape(f"'{tmp_path / name}' is not a readable image")):
        pipelines.from_image_folder(str(tmp_path))


def test_image_folder_reads_complete_images_of_every_listed_format(tmp_path):
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8))
    for extension in ("png", "jpg", "gif", "bmp"):
        image.save(tmp_path / f"image.{extension}")
    data = pipelines.from_image_folder(str(tmp_path), color_mode="rgb")
    assert [e["x"].shape for e in data] == [(16, 16, 3)] * 4


# 6. Empty sources are refused, also those whose emptiness shows only while iterating.


def test_empty_arrays_are_refused_at_construction():
    empty, some = np.zeros((0, 3), "float32"), np.ones((4, 3), "float32")
    with pytest.raises(ValueError, match="x is empty"):
        pipelines.from_arrays(empty)
    with pytest.raises(ValueError, match=r"x\['weight'\] is empty"):
        pipelines.from_arrays({"x": some, "weight": np.zeros((4, 0))})
    with pytest.raises(ValueError, match="target is empty"):
        pipelines.contrastive_pairs(empty, some)
    with pytest.raises(ValueError, match="background is empty"):
        pipelines.contrastive_pairs(some, empty)
    with pytest.raises(ValueError, match="is empty"):
        pipelines.batch_pipeline(empty, 2)


def test_a_dataset_that_yields_nothing_raises_naming_it():
    some = np.ones((4, 3), "float32")
    nothing = pipelines.from_arrays(some).filter(lambda e: False)  # unknown size: passes construction
    with pytest.raises(tf.errors.InvalidArgumentError, match="contrastive_pairs: background yields no examples"):
        list(pipelines.contrastive_pairs(some, nothing, epoch_size=4))
    with pytest.raises(tf.errors.InvalidArgumentError, match="contrastive_pairs: target yields no examples"):
        list(pipelines.contrastive_pairs(nothing, some, epoch_size=4))
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch_pipeline: data yields no examples"):
        list(pipelines.batch_pipeline(nothing, 2, repeat=True).take(3))
    everything = pipelines.from_arrays(some).filter(lambda e: True)
    assert len(list(pipelines.contrastive_pairs(some, everything, epoch_size=9))) == 9
    assert len(list(pipelines.batch_pipeline(everything, 3, repeat=True).take(5))) == 5


# Arrays of random shapes, dtypes and values: only the documented errors.

VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.sampled_from([0.0, 1.0, 1e30]))
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
ARRAYS = st.one_of(
    hnp.arrays(st.sampled_from(["float32", "float64"]), SHAPES, elements=VALUES),
    hnp.arrays(st.sampled_from(["int64", "uint8", "bool", "float16"]), SHAPES),
    st.just(np.array([["a", "b"]])), st.just(np.zeros((2, 2), "complex64")), st.just(np.array([None, 1], object)),
)
DOCUMENTED = (ValueError, TypeError)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=ARRAYS, y=ARRAYS)
def test_array_sources_raise_only_documented_errors(x, y):
    reversed_x = x[::-1] if x.ndim else x  # x's shape and dtype, other values
    calls = (lambda: pipelines.from_arrays(x), lambda: pipelines.from_arrays(x, labels=y),
             lambda: pipelines.contrastive_pairs(x, y, seed=0), lambda: pipelines.contrastive_pairs(x, reversed_x, seed=0))
    for call in calls:
        try:
            data = call()
        except DOCUMENTED:
            continue
        next(iter(data))  # what construction accepts also runs
