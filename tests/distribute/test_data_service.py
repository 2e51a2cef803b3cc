"""tf.data service feeding training: an in-process dispatcher and 2 workers (loopback)."""

import keras
import numpy as np

import pipelines
import tfvae


def test_training_on_batches_from_two_data_service_workers():
    data = pipelines.synthetic_subgroups(num_per_group=32, num_background=128, seed=0)
    keras.utils.set_random_seed(0)
    model = tfvae.ContrastiveVAE((30,), 2, 4, likelihood="normal", network_kwargs={"hidden_units": (16,)}, seed=0)
    model.compile(keras.optimizers.Adam(1e-2))
    with pipelines.LocalService(num_workers=2) as service:
        stream = pipelines.batch_pipeline(
            data.pairs(seed=0), 32, shuffle=False, scale=False, service=service.address, service_mode="parallel_epochs"
        )
        # parallel_epochs: each of the 2 workers runs the whole pairing pipeline once per epoch.
        assert sum(int(batch["target"].shape[0]) for batch in stream) == 2 * 128
        history = model.fit(stream, epochs=4, verbose=0, shuffle=False)
    loss = history.history["loss"]
    assert np.all(np.isfinite(loss)) and loss[-1] < loss[0]
