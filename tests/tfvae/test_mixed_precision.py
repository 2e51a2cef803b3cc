"""Mixed precision: float16 networks, float32 distributions, loss scaling in train_step.

Runs in a subprocess because the dtype policy is global Keras state.
"""

import subprocess
import sys

SCRIPT = """
import keras, numpy as np
import pipelines, tfvae
x, _ = pipelines.digits_8x8("train")

def sgd_step_size():
    # One plain SGD step: unlike Adam, its size shows whether the loss was scaled
    # (LossScaleOptimizer divides the gradients by the scale it expects).
    keras.utils.set_random_seed(0)  # the same initial weights in both precisions
    model = tfvae.VAE((8, 8, 1), 2, network_kwargs={"hidden_units": (16,)}, seed=0)
    model.compile(keras.optimizers.SGD(1e-3))
    before = [w.astype("float64") for w in model.get_weights()]
    model.fit(x[:64], epochs=1, batch_size=64, verbose=0)
    return np.sqrt(sum(np.sum((w - b) ** 2) for w, b in zip(model.get_weights(), before)))

full = sgd_step_size()
keras.mixed_precision.set_global_policy("mixed_float16")
half = sgd_step_size()
assert 0.8 < half / full < 1.25, (half, full)
model = tfvae.VAE((8, 8, 1), 2, architecture="conv", network_kwargs={"filters": (8, 16)}, seed=0)
model.compile(keras.optimizers.Adam(3e-3))
assert type(model.optimizer).__name__ == "LossScaleOptimizer"
assert model.encoder.layers[1].compute_dtype == "float16"
assert model.encode(x[:2]).dtype == "float32"
elbo = model.fit(x, epochs=3, batch_size=64, verbose=0).history["elbo"]
assert np.all(np.isfinite(elbo)) and elbo[-1] - elbo[0] > 3.0, elbo
# The default ContrastiveVAE (low-rank likelihood, swap invariance) under the same policy.
cvae = tfvae.ContrastiveVAE((8, 8, 1), 2, 3, network_kwargs={"filters": (8, 16)}, seed=0)
cvae.compile(keras.optimizers.Adam(3e-3))
target = cvae.fit({"target": x[:512], "background": x[512:1024]}, epochs=3, batch_size=64, verbose=0).history["target_elbo"]
assert np.all(np.isfinite(target)) and target[-1] > target[0], target
print("ok", elbo, target)
"""


def test_vae_trains_under_mixed_float16():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok")
