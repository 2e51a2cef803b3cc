"""Sources: arrays, datasets, image folders and tensorflow-datasets (offline)."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import pipelines


def _collect(data):
    return [{k: v.numpy() for k, v in e.items()} for e in data]


def test_from_arrays_yields_example_dicts(images):
    x, y = images
    data = pipelines.from_arrays(x, y)
    assert int(data.cardinality()) == 12
    examples = _collect(data)
    np.testing.assert_array_equal(np.stack([e["x"] for e in examples]), x)
    np.testing.assert_array_equal([e["label"] for e in examples], y)


@pytest.mark.parametrize(
    "x, labels, error, words",
    [
        (np.zeros((0, 4)), None, ValueError, "empty"),
        (np.array([[0.0, np.nan]]), None, ValueError, "NaN or inf"),
        (np.array([[0.0, np.inf]]), None, ValueError, "NaN or inf"),
        (np.array([["a", "b"]]), None, TypeError, "dtype <U1"),
        (np.zeros((3, 4)), np.array([0.0, 1.0, 2.0]), TypeError, "labels must be integers"),
        (np.zeros((3, 4)), np.array([0, 1]), ValueError, "shape (3,)"),
    ],
)
def test_from_arrays_rejects_bad_input(x, labels, error, words):
    with pytest.raises(error) as info:
        pipelines.from_arrays(x, labels)
    assert words in str(info.value)


def test_as_examples_accepts_common_element_structures(images):
    x, y = images
    tuples = pipelines.as_examples(tf.data.Dataset.from_tensor_slices((x, y)))
    plain = pipelines.as_examples(tf.data.Dataset.from_tensor_slices(x))
    tfds_style = pipelines.as_examples(tf.data.Dataset.from_tensor_slices({"image": x, "label": y}))
    assert sorted(tuples.element_spec) == ["label", "x"] == sorted(tfds_style.element_spec)
    assert sorted(plain.element_spec) == ["x"]
    np.testing.assert_array_equal(_collect(tfds_style)[3]["x"], x[3])


def test_as_examples_rejects_empty_and_non_numeric_datasets():
    with pytest.raises(ValueError, match="empty"):
        pipelines.as_examples(tf.data.Dataset.from_tensor_slices(np.zeros((0, 2), "float32")))
    with pytest.raises(TypeError, match="string"):
        pipelines.as_examples(tf.data.Dataset.from_tensor_slices(["a", "b"]))


def _write_folder(root, images):
    """Saves images[i] as root/<class i % 2>/img_<i>.png; returns per-class arrays."""
    classes = {"cats": [], "dogs": []}
    for i, image in enumerate(images):
        name = sorted(classes)[i % 2]
        (root / name).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image[..., 0]).save(root / name / f"img_{i:02d}.png")
        classes[name].append(image)
    return classes


def test_image_folder_streams_images_with_class_labels(tmp_path, images):
    classes = _write_folder(tmp_path, images[0])
    examples = _collect(pipelines.from_image_folder(str(tmp_path)))
    assert [e["label"] for e in examples] == [0] * 6 + [1] * 6  # sorted class folders
    np.testing.assert_array_equal(np.stack([e["x"] for e in examples]), np.stack(classes["cats"] + classes["dogs"]))
    rgb = pipelines.from_image_folder(str(tmp_path), image_size=(4, 5), color_mode="rgb")
    assert rgb.element_spec["x"].shape == (4, 5, 3)
    assert next(iter(rgb))["x"].dtype == tf.uint8


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        pipelines.from_image_folder(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="holds no"):
        pipelines.from_image_folder(str(tmp_path))
    with pytest.raises(ValueError, match="color_mode"):
        pipelines.from_image_folder(str(tmp_path), color_mode="cmyk")


def test_image_folder_names_an_image_of_another_size(tmp_path):
    from PIL import Image

    (tmp_path / "a").mkdir()
    for name, size in (("img_0.png", 6), ("img_1.png", 6), ("img_2.png", 4)):
        Image.fromarray(np.zeros((size, size), np.uint8)).save(tmp_path / "a" / name)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"must all be 6x6(.|\n)*img_2\.png"):
        _collect(pipelines.from_image_folder(str(tmp_path)))
    assert len(_collect(pipelines.from_image_folder(str(tmp_path), image_size=(6, 6)))) == 3  # resized: all pass


def test_tfds_offline_error_names_data_dir_and_download_step(tmp_path):
    with pytest.raises(pipelines.DatasetNotPreparedError) as info:
        pipelines.from_tfds("mnist", "train", data_dir=str(tmp_path))
    message = str(info.value)
    assert str(tmp_path) in message and "tfds build mnist" in message and "download_and_prepare" in message
    assert isinstance(info.value, FileNotFoundError)


def test_mnist_digits_falls_back_to_shipped_subset_only_in_auto_mode(tmp_path):
    with pytest.raises(pipelines.DatasetNotPreparedError):
        pipelines.mnist_digits("test", source="tfds", data_dir=str(tmp_path))
    x, y = pipelines.mnist_digits("test", source="auto", data_dir=str(tmp_path))
    assert x.shape == (1000, 28, 28, 1) and x.dtype == np.float32 and y.shape == (1000,)
