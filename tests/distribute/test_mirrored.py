"""MirroredStrategy: 2 replicas end with the weights of 1 device on the same global batches.

Gradients are summed over replicas, so a replica must divide its mean loss by the
number of replicas; averaging twice or not at all changes the update, and the
weights would differ by far more than the tolerance. Runs in one subprocess for all
models because logical devices must be configured before TensorFlow starts.
"""

import subprocess
import sys

import pytest

SCRIPT = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
import pipelines, tfvae

x, _ = pipelines.digits_8x8("train")
d = pipelines.synthetic_subgroups(num_per_group=24, num_background=96, seed=0)
# Materialized pairs: under a strategy Keras iterates the data once more to build,
# which would advance a reshuffling stream by one epoch.
pairs = next(iter(d.pairs(seed=0).batch(96)))
cvae = dict(likelihood="normal", network_kwargs={"hidden_units": (16,)}, seed=0)
R = tfvae.regularizers
CASES = {
    "vae": (lambda: tf.data.Dataset.from_tensor_slices(x[:96]).batch(16),
            lambda: tfvae.VAE((8, 8, 1), 2, network_kwargs={"hidden_units": (16,)}, seed=0)),
    # every regularizer: the MMD kernels, TC's permutation and the swap's pairing and
    # spread couple the global batch
    "cvae": (lambda: tf.data.Dataset.from_tensor_slices(pairs).batch(16),
             lambda: tfvae.ContrastiveVAE((30,), 2, 3, regularizers=[
                 R.Wasserstein(0.5), R.BackgroundMMD(1.0), R.SalientMMD(1.0), R.TotalCorrelation(1.0),
                 R.BackgroundSwapInvariance(1.0)], **cvae)),
    # the defaults (the low-rank factor learning from background examples from step 3)
    # with a KL warm-up in epochs: the epoch counter reaches every replica
    "defaults": (lambda: tf.data.Dataset.from_tensor_slices(pairs).batch(16),
                 lambda: tfvae.ContrastiveVAE((30,), 2, 3, likelihood=tfvae.layers.LowRankNormal((30,), 2, start=3),
                                              beta=tfvae.schedules.Ramp(1.0, start=1, unit="epoch"),
                                              network_kwargs={"hidden_units": (16,)}, seed=0)),
    # the layered decoder with its mask-area penalty, on images
    "layered": (lambda: tf.data.Dataset.from_tensor_slices({"target": x[:96], "background": 0.5 * x[96:192]}).batch(16),
                lambda: tfvae.ContrastiveVAE((8, 8, 1), 2, 3, decoder="layered", architecture="mlp",
                                             regularizers=[R.BackgroundSwapInvariance(1.0), R.MaskArea(1.0)],
                                             **cvae)),
}

def train(strategy, make_data, build):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = build()
        # Adam's epsilon at 1e-3: with the default 1e-7 a weight whose gradient is ~0 moves
        # by +-lr on the sign of float rounding noise, and the two runs then differ by
        # ~0.006 on some runs (seen on a 2-core AMD CPU), whatever the replicas do.
        model.compile(keras.optimizers.Adam(1e-2, epsilon=1e-3))
    start = [w.copy() for w in model.get_weights()]
    model.fit(make_data(), epochs=2, verbose=0, shuffle=False)
    return start, model.get_weights(), model

mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])  # one for all: a second one's all-gathers fail
for kind, (make_data, build) in CASES.items():
    start, one, _ = train(tf.distribute.get_strategy(), make_data, build)
    _, two, model = train(mirrored, make_data, build)
    moved = max(float(np.abs(a - b).max()) for a, b in zip(one, start))  # by training, from the same start
    diff = max(float(np.abs(a - b).max()) for a, b in zip(one, two))
    print(f"RESULT {kind} {diff} {moved}")
print("EPOCH", type(model.epoch.value).__name__, int(model.epoch.numpy()), float(model.kl_weight()))
"""


@pytest.fixture(scope="module")
def mirrored_output():
    """The script's printed lines, by their first word."""
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = {}
    for line in filter(str.strip, result.stdout.splitlines()):
        key, *values = line.split()
        lines.setdefault(key, []).append(values)
    return lines


@pytest.fixture(scope="module")
def replica_results(mirrored_output):
    """{kind: (max weight difference 2 replicas vs 1 device, max weight change by training)}."""
    return {kind: (float(diff), float(moved)) for kind, diff, moved in mirrored_output["RESULT"]}


@pytest.mark.parametrize("kind", ["vae", "cvae", "defaults", "layered"])
def test_two_replicas_match_one_device(replica_results, kind):
    diff, moved = replica_results[kind]
    assert moved > 1e-2  # training really changed the weights
    assert diff < 1e-5, diff


def test_the_epoch_counter_is_mirrored_and_drives_the_schedules(mirrored_output):
    # The last model trained under the strategy: 2 epochs, a KL weight of 0 in epoch 0, then 1.
    assert mirrored_output["EPOCH"][0] == ["MirroredVariable", "1", "1.0"]
