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
CASES = {
    "vae": (lambda: tf.data.Dataset.from_tensor_slices(x[:96]).batch(16),
            lambda: tfvae.VAE((8, 8, 1), 2, network_kwargs={"hidden_units": (16,)}, seed=0)),
    "cvae": (lambda: tf.data.Dataset.from_tensor_slices(pairs).batch(16),
             lambda: tfvae.ContrastiveVAE((30,), 2, 3, wasserstein_weight=0.5, mmd_weight=1.0, tc_weight=1.0,
                                          invariance_weight=1.0, invariance_relative=True, **cvae)),
    # the mixture prior and the clustering term, whose marginal couples the global batch
    "mixture": (lambda: tf.data.Dataset.from_tensor_slices(pairs).batch(16),
                lambda: tfvae.ContrastiveVAE((30,), 2, 3, salient_components=3, cluster_weight=1.0, **cvae)),
}

def train(strategy, make_data, build):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = build()
        model.compile(keras.optimizers.Adam(1e-2))
    model.fit(make_data(), epochs=2, verbose=0, shuffle=False)
    return model.get_weights()

mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])  # one for all: a second one's all-gathers fail
for kind, (make_data, build) in CASES.items():
    one = train(tf.distribute.get_strategy(), make_data, build)
    two = train(mirrored, make_data, build)
    moved = max(float(np.abs(a - b).max()) for a, b in zip(one, build().get_weights()))
    diff = max(float(np.abs(a - b).max()) for a, b in zip(one, two))
    print(f"RESULT {kind} {diff} {moved}")
"""


@pytest.fixture(scope="module")
def replica_results():
    """{kind: (max weight difference 2 replicas vs 1 device, max weight change by training)}."""
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    return {kind: (float(diff), float(moved)) for kind, diff, moved in rows}


@pytest.mark.parametrize("kind", ["vae", "cvae", "mixture"])
def test_two_replicas_match_one_device(replica_results, kind):
    diff, moved = replica_results[kind]
    assert moved > 1e-2  # training really changed the weights
    assert diff < 1e-5, diff
