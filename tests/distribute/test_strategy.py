"""Strategy choice and the command line's --strategy flag."""

import json
import os

from types import SimpleNamespace

import pytest
from helpers import tiny_model_config
import tensorflow as tf

from tfvae.cli.main import main
from tfvae.distribute import _write_dir, choose_strategy, is_chief


def test_choose_strategy(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert choose_strategy("none") is tf.distribute.get_strategy()
    assert choose_strategy("auto") is tf.distribute.get_strategy()  # no GPUs here
    mirrored = choose_strategy("mirrored")
    assert isinstance(mirrored, tf.distribute.MirroredStrategy) and is_chief(mirrored)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        choose_strategy("multiworker")
    with pytest.raises(ValueError, match="strategy must be one of"):
        choose_strategy("tpu")


def test_train_under_mirrored_strategy(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--strategy", "mirrored", "--dataset", "synthetic", *tiny_model_config(tmp_path),
            "--background-dim", "4", "--epochs", "2", "--epoch-size", "256", "--out", str(out)]
    assert main(args) == 0
    assert "test_salient_silhouette" in json.loads((out / "metrics.json").read_text())


def test_non_chief_workers_checkpoint_outside_the_run_folder(tmp_path):
    """The chief removes the checkpoint folder when training ends; a worker writing
    its last save inside it failed with NotFoundError (a race seen on CI)."""
    chief = SimpleNamespace(cluster_resolver=SimpleNamespace(task_type="worker", task_id=0))
    worker = SimpleNamespace(cluster_resolver=SimpleNamespace(task_type="worker", task_id=1))
    directory = str(tmp_path / "backup")
    assert _write_dir(directory, chief) == directory
    scratch = _write_dir(directory, worker)
    assert os.path.commonpath([scratch, directory]) != directory
    assert os.path.isdir(scratch) and "worker-1" in os.path.basename(scratch)
    os.rmdir(scratch)
