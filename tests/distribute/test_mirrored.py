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
                                          invariance_weight=1.0, invariance_relative=True, invariance_temperature=0.5,
                                          **cvae)),  # InfoNCE: negatives and spread from the global batch
    # the mixture prior and the clustering term, whose marginal couples the global batch;
    # a low-rank likelihood whose factor learns from background examples from step 3
    "mixture": (lambda: tf.data.Dataset.from_tensor_slices(pairs).batch(16),
                lambda: tfvae.ContrastiveVAE((30,), 2, 3, salient_components=3, cluster_weight=1.0,
                                             **{**cvae, "likelihood": tfvae.layers.LowRankNormal((30,), 2)},
                                             background_basis_start=3)),
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

# KLWarmup under the strategy: the weight it assigns reaches every replica's step.
with mirrored.scope():
    model = tfvae.VAE((8, 8, 1), 2, network_kwargs={"hidden_units": (16,)}, beta=2.0, seed=0)
    model.compile("adam")
assert type(model.kl_scale.value).__name__ == "MirroredVariable"
seen = []
record = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: seen.append(float(model.kl_weight())))
model.fit(x[:32], epochs=2, batch_size=16, verbose=0, callbacks=[tfvae.callbacks.KLWarmup(steps=2), record])
print("WARMUP", *seen)
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


@pytest.mark.parametrize("kind", ["vae", "cvae", "mixture"])
def test_two_replicas_match_one_device(replica_results, kind):
    diff, moved = replica_results[kind]
    assert moved > 1e-2  # training really changed the weights
    assert diff < 1e-5, diff


def test_kl_warmup_assigns_a_mirrored_kl_scale(mirrored_output):
    # 2 steps per epoch, warm-up over 2 steps to beta = 2: 0, 1, then 2.
    assert [float(v) for v in mirrored_output["WARMUP"][0]] == [0.0, 1.0, 2.0, 2.0]
