"""`fit_distributed` checkpoints: a process killed with SIGKILL mid-epoch resumes from
its last step checkpoint and ends with the weights of an uninterrupted run (same
batches, same noise, same optimizer state), at the same optimizer step count."""

import subprocess
import sys

import numpy as np

EPOCHS, STEPS, EVERY, KILL_AT = 3, 8, 3, 15  # killed in epoch 2 (the input pipeline runs a few batches ahead)

SCRIPT = """
import os, signal, sys
import numpy as np
import tensorflow as tf
import keras
import pipelines, tfvae
from tfvae.distribute import fit_distributed

served = [0]
d = pipelines.synthetic_subgroups(num_per_group=16, num_background=64, seed=0)
data = {"target": d.target["x"], "background": d.background["x"]}

def train(out, checkpoints, kill_at):
    served[0] = 0

    def count(batch):
        served[0] += 1
        if served[0] == kill_at:  # the input pipeline is ahead of training: dies before step kill_at ends
            os.kill(os.getpid(), signal.SIGKILL)
        return batch

    def dataset_fn(context):
        ds = tf.data.Dataset.from_tensor_slices(data).shuffle(64, seed=1).batch(16).repeat()
        ds = ds.map(lambda b: {**b, "target": tf.ensure_shape(tf.numpy_function(count, [b["target"]], tf.float32), (16, 30))})
        options = tf.data.Options()  # the counter is test scaffolding, not state to checkpoint
        options.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.IGNORE
        return ds.with_options(options)

    keras.utils.set_random_seed(0)
    model = tfvae.ContrastiveVAE((30,), 2, 3, likelihood="normal", network_kwargs={"hidden_units": (16,)},
                                  regularizers=[tfvae.regularizers.TotalCorrelation(1.0)], seed=0)
    model.compile(keras.optimizers.Adam(1e-2))
    fit_distributed(model, dataset_fn, epochs=%d, steps_per_epoch=%d, checkpoint_dir=checkpoints or None, checkpoint_every=%d, verbose=False)
    np.savez(out, steps=int(model.optimizer.iterations.numpy()), tc_steps=int(model.regularizers[0].discriminator_optimizer.iterations.numpy()), *model.get_weights())

# argv: (out, checkpoints, kill_at) per run, run in turn in this process
for i in range(1, len(sys.argv), 3):
    train(sys.argv[i], sys.argv[i + 1], int(sys.argv[i + 2]))
""" % (EPOCHS, STEPS, EVERY)


def _run(tmp_path, *runs):
    """Runs `(name, checkpoint dir, kill_at)` in turn in one Python process."""
    argv = [str(v) for name, checkpoints, kill_at in runs for v in (tmp_path / f"{name}.npz", checkpoints, kill_at)]
    return subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=300)


def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path):
    checkpoints = str(tmp_path / "checkpoints")
    killed = _run(tmp_path, ("killed", checkpoints, KILL_AT))
    assert killed.returncode == -9, killed.stderr[-2000:]
    import tensorflow as tf

    saved_at = int(tf.train.latest_checkpoint(checkpoints).rsplit("-", 1)[1])  # the step of the last checkpoint
    assert 0 < saved_at < EPOCHS * STEPS
    # The resumed run, then in the same process a fresh run without checkpoints.
    finished = _run(tmp_path, ("resumed", checkpoints, 0), ("straight", "", 0))
    assert finished.returncode == 0, finished.stderr[-3000:]
    with np.load(tmp_path / "resumed.npz") as r, np.load(tmp_path / "straight.npz") as s:
        assert int(r["steps"]) == int(s["steps"]) == EPOCHS * STEPS
        assert int(r["tc_steps"]) == EPOCHS * STEPS  # the discriminator's optimizer resumed too
        weights = [k for k in s.files if k.startswith("arr_")]
        assert max(float(np.abs(r[k] - s[k]).max()) for k in weights) < 1e-6
    import os

    assert not os.path.exists(checkpoints)  # removed once training finished
