"""Distributed tuning on loopback: a chief and two workers finish one search."""

import csv
import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import pipelines

ROOT = pathlib.Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 300
TUNER_IDS = ("chief", "tuner0", "tuner1")
MAX_EXAMPLES = 200


def free_loopback_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_processes(command, envs, cwd):
    """Starts one process per env, waits for all within the timeout; returns
    {name: (returncode, output)}. Processes still running at the deadline are killed."""
    processes = {
        name: subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, env in envs.items()
    }
    deadline = time.monotonic() + TIMEOUT_SECONDS
    results = {}
    try:
        for name, process in processes.items():
            output = process.communicate(timeout=max(1.0, deadline - time.monotonic()))[0]
            results[name] = (process.returncode, output)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    return results


def test_chief_and_two_workers_finish_a_search_and_the_chief_lists_every_trial(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "tfvae.cli.main", "tune", "--model", "vae", "--dataset", "digits_8x8", "--max-trials", "3",
               "--epochs", "1", "--space", "latent_dim=2", "--hidden-units", "16", "--batch-size", "32",
               "--max-examples", str(MAX_EXAMPLES), "--out", str(out), "--verbose", "0"]
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        TF_CPP_MIN_LOG_LEVEL="2",
        KERASTUNER_ORACLE_IP="127.0.0.1",
        KERASTUNER_ORACLE_PORT=str(free_loopback_port()),
    )
    results = run_processes(command, {tuner_id: {**env, "KERASTUNER_TUNER_ID": tuner_id} for tuner_id in TUNER_IDS}, tmp_path)

    for tuner_id, (returncode, output) in results.items():
        assert returncode == 0, f"{tuner_id} failed:\n{output[-3000:]}"
    for worker in TUNER_IDS[1:]:
        assert f"worker {worker} done" in results[worker][1]
    # Trials ran on the workers (each saves its state after a trial it ran), not the chief.
    assert any((out / "search" / f"{worker}.json").exists() for worker in TUNER_IDS[1:])

    with open(out / "trials.csv") as f:
        rows = list(csv.DictReader(f))
    assert [row["trial_id"] for row in rows] == ["0", "1", "2"]
    assert all(row["status"] == "COMPLETED" for row in rows)
    best = max(rows, key=lambda row: float(row["score"]))
    assert json.loads((out / "best_hyperparameters.json").read_text()) == pytest.approx(
        {"latent_dim": 2, "beta": 1.0, "learning_rate": float(best["learning_rate"])}
    )
    # The chief's best model is the best trial's: it reproduces its held-out ELBO.
    from tfvae.cli import data as cli_data

    x_val = cli_data.load("digits_8x8", seed=0).validation.target["x"]  # trials are scored on the validation split
    model = keras.models.load_model(out / "best_model.keras")
    assert float(np.mean(model.elbo(x_val[:MAX_EXAMPLES], seed=0))) == pytest.approx(float(best["score"]), rel=1e-6)
