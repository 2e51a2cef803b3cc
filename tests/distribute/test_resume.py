"""Fault tolerance: a run killed with SIGKILL mid-training resumes from its last good
epoch checkpoint, with the optimizer state, and ends at the uninterrupted step count.
The killed run's newest checkpoint is then also truncated, as a crash while writing
would leave it: resuming falls back to the previous one."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import keras
import pytest

from tfvae.cli.main import main

EPOCHS, EPOCH_SIZE, BATCH = 6, 2048, 64
FLAGS = ["--dataset", "synthetic", "--background-dim", "4",
         "--epochs", str(EPOCHS), "--epoch-size", str(EPOCH_SIZE), "--batch-size", str(BATCH)]


def _checkpointed_epoch(out):
    path = os.path.join(out, "backup", "training_metadata.json")
    try:
        with open(path) as f:
            return json.load(f)["epoch"]
    except (OSError, ValueError):
        return 0


def test_sigkill_then_resume_continues_training(tmp_path):
    out = str(tmp_path / "run")
    process = subprocess.Popen([sys.executable, "-m", "tfvae.cli.main", "train", *FLAGS, "--out", out],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while _checkpointed_epoch(out) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = _checkpointed_epoch(out)
    assert 2 <= killed_at < EPOCHS, "the run must be killed mid-training"
    with pytest.raises(SystemExit, match="unfinished run"):
        main(["train", *FLAGS, "--out", out])  # never overwrite an interrupted run by accident
    latest = os.path.join(out, "backup", "latest.weights.h5")
    assert os.path.exists(latest + ".bkp")
    with open(latest, "r+b") as f:
        f.truncate(100)  # a checkpoint cut short mid-write
    restored_epoch = killed_at - 1  # the previous, intact checkpoint
    with open(os.path.join(out, "history.csv")) as f:
        rows_before = len(list(csv.DictReader(f)))

    assert main(["train", "--resume", "--out", out]) == 0
    with open(os.path.join(out, "history.csv")) as f:
        rows = list(csv.DictReader(f))
    epochs = [int(r["epoch"]) for r in rows]
    assert epochs[-1] == EPOCHS - 1 and set(range(EPOCHS)) <= set(epochs)
    resumed = rows[rows_before]  # the first row written after the restart
    assert int(resumed["epoch"]) == restored_epoch
    first = rows[0]
    # The ELBO continues from the checkpoint instead of restarting from scratch.
    assert float(resumed["target_elbo"]) > float(first["target_elbo"]) + 20
    model = keras.models.load_model(os.path.join(out, "model.keras"))
    assert int(model.optimizer.iterations) == EPOCHS * (EPOCH_SIZE // BATCH)


def test_resume_needs_a_run_folder(tmp_path):
    with pytest.raises(SystemExit, match="args.json"):
        main(["train", "--resume", "--out", str(tmp_path)])
