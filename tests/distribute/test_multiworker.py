"""MultiWorkerMirroredStrategy: 2 worker processes on loopback train with the models'
own train_step and end with identical weights that match one process stepping
through the same global batches."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
from helpers import read_summaries, tiny_model_config

GLOBAL_BATCH, STEPS, EPOCHS = 16, 4, 2

SCRIPT = """
import json, os, sys
import numpy as np
import tensorflow as tf
import keras
import pipelines, tfvae
from tfvae.distribute import choose_strategy, fit_distributed

out, workers = sys.argv[1], int(sys.argv[2])
GLOBAL_BATCH, STEPS, EPOCHS = %d, %d, %d
strategy = choose_strategy("multiworker" if workers > 1 else "none")  # one per process, for both models
d = pipelines.synthetic_subgroups(num_per_group=16, num_background=64, seed=0)
CASES = {
    "vae": (pipelines.digits_8x8("train")[0][: GLOBAL_BATCH * STEPS],
            lambda: tfvae.VAE((8, 8, 1), 2, network_kwargs={"hidden_units": (16,)}, seed=0)),
    "cvae": ({"target": d.target["x"], "background": d.background["x"]},
             lambda: tfvae.ContrastiveVAE((30,), 2, 3, likelihood="normal", network_kwargs={"hidden_units": (16,)}, seed=0)),
}

for kind, (data, build) in CASES.items():
    def dataset_fn(context, data=data):
        # Every worker reads the same global batches and keeps its replica's rows.
        local = context.get_per_replica_batch_size(GLOBAL_BATCH)
        start = context.input_pipeline_id * local
        ds = tf.data.Dataset.from_tensor_slices(data).batch(GLOBAL_BATCH).repeat()
        return ds.map(lambda b: tf.nest.map_structure(lambda t: t[start : start + local], b))

    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = build()
        model.compile(keras.optimizers.Adam(1e-2))
    history = fit_distributed(model, dataset_fn, epochs=EPOCHS, steps_per_epoch=STEPS, strategy=strategy)
    np.savez(f"{out}-{kind}.npz", *model.get_weights())
    print("HISTORY", kind, json.dumps(history))
""" % (GLOBAL_BATCH, STEPS, EPOCHS)


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _start_workers(command, count=2):
    """Starts `command` (a list) in `count` processes, each with its TF_CONFIG task."""
    cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(count)]}
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return [
        subprocess.Popen(
            [sys.executable, *command(i)],
            env={**env, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(count)
    ]


def _finish(processes):
    """Waits for every process; returns their `(stdout, stderr)`, asserting success."""
    outputs = []
    for p in processes:
        try:
            outputs.append(p.communicate(timeout=300))
        finally:
            p.kill()
    for p, (_, err) in zip(processes, outputs):
        assert p.returncode == 0, err[-3000:]
    return outputs


def _weights(path):
    with np.load(path) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


@pytest.fixture(scope="module")
def worker_runs(tmp_path_factory):
    """Both models trained by 2 workers and by 1 process: (directory, {kind: worker 0's history})."""
    tmp_path = tmp_path_factory.mktemp("multiworker")
    processes = _start_workers(lambda i: ["-c", SCRIPT, str(tmp_path / f"worker{i}"), "2"])
    env = {**{k: v for k, v in os.environ.items() if k != "TF_CONFIG"}, "TF_CPP_MIN_LOG_LEVEL": "2"}
    single = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "single"), "1"],
                            env=env, capture_output=True, text=True, timeout=300)
    outputs = _finish(processes)
    assert single.returncode == 0, single.stderr[-3000:]
    rows = [line.split(" ", 2)[1:] for line in outputs[0][0].splitlines() if line.startswith("HISTORY ")]
    return tmp_path, {kind: json.loads(history) for kind, history in rows}


@pytest.mark.parametrize("kind", ["vae", "cvae"])
def test_two_workers_match_one_process(worker_runs, kind):
    tmp_path, histories = worker_runs
    w0, w1, ws = (_weights(tmp_path / f"{name}-{kind}.npz") for name in ("worker0", "worker1", "single"))
    assert max(float(np.abs(a - b).max()) for a, b in zip(w0, w1)) == 0.0
    assert max(float(np.abs(a - b).max()) for a, b in zip(w0, ws)) < 1e-5
    history = histories[kind]
    assert len(history["loss"]) == EPOCHS and history["loss"][-1] < history["loss"][0]


def test_cli_trains_across_two_workers_and_the_chief_writes_the_run(tmp_path):
    out = tmp_path / "run"
    warmup = {"class_name": "Ramp", "config": {"duration": 1, "unit": "epoch"}}  # KL weight 0 in epoch 0, then 1
    flags = ["--strategy", "multiworker", "--dataset", "synthetic", *tiny_model_config(tmp_path, beta=warmup),
             "--background-dim", "4", "--epochs", "2", "--epoch-size", "256", "--batch-size", "32",
             "--out", str(out)]
    outputs = _finish(_start_workers(lambda i: ["-m", "tfvae.cli.main", "train", *flags]))
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"test_salient_silhouette", "test_target_elbo"} <= set(metrics)
    assert "run written to" in outputs[0][0] and "run written to" not in outputs[1][0]  # only the chief writes
    assert not (out / "backup").exists()  # step checkpoints are removed once training finished
    import keras

    import tfvae  # noqa: F401  (registers the model classes for loading)

    model = keras.models.load_model(out / "model.keras")
    assert int(model.optimizer.iterations.numpy()) == 2 * (256 // 32)  # global steps, not per worker
    assert model.beta.unit == "epoch" and int(model.epoch.numpy()) == 1 and float(model.kl_weight()) == 1.0
    first, second = report_history(out)
    assert first["target_kl_salient"] != second["target_kl_salient"]
    history = (out / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,") and len(history) == 3
    # The chief writes the TensorBoard logs a single-process run writes (but validation).
    scalars = read_summaries(out / "logs" / "train")
    assert set(scalars["epoch_loss"][1]) == {0, 1}
    np.testing.assert_allclose(scalars["epoch_target_kl_salient"][1][1], second["target_kl_salient"], rtol=1e-5)
    assert {"kl_weight"} <= set(read_summaries(out / "logs" / "schedule"))
    assert {"posterior_mean/salient", "active_units/background"} <= set(read_summaries(out / "logs" / "latents"))
    assert not (out / "logs" / "validation").exists()


def report_history(out):
    """The two epochs' rows of a run's history.csv."""
    import csv

    with open(out / "history.csv", newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
