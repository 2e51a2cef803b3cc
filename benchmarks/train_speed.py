"""Training throughput of tfvae.VAE against a plain-Keras VAE of the same architecture.

The reference is the keras.io VAE example's objective (sigmoid outputs, summed
binary cross-entropy, closed-form Gaussian KL, `z = mu + exp(log_var / 2) * eps`)
on the very same encoder/decoder networks, so the ratio isolates what tfvae adds:
TFP distribution objects and the input checks. Printed as examples/s and as the
ratio tfvae / reference, both measured in this one process.

    python benchmarks/train_speed.py [--epochs 3] [--batch-size 128]
"""

import argparse
import time

import keras
import numpy as np
import tensorflow as tf

import pipelines
import tfvae
from tfvae.networks import conv_decoder, conv_encoder


class PlainKerasVAE(keras.Model):
    """The keras.io VAE objective on given networks (the reference)."""

    def __init__(self, encoder, decoder, latent_dim):
        super().__init__()
        self.encoder, self.decoder, self.latent_dim = encoder, decoder, latent_dim
        self.seed_generator = keras.random.SeedGenerator(0)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, x):
        with tf.GradientTape() as tape:
            params = self.encoder(x, training=True)
            z_mean, z_log_var = params[:, : self.latent_dim], params[:, self.latent_dim :]
            eps = keras.random.normal(tf.shape(z_mean), seed=self.seed_generator)
            z = z_mean + tf.exp(0.5 * z_log_var) * eps
            logits = tf.reshape(self.decoder(z, training=True), tf.shape(x))
            rec = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=[1, 2, 3])
            kl = -0.5 * tf.reduce_sum(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), axis=1)
            loss = tf.reduce_mean(rec + kl)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def _throughput(model, x, epochs, batch_size, jit_compile):
    model.compile(keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
    model.fit(x, epochs=1, batch_size=batch_size, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(x, epochs=epochs, batch_size=batch_size, verbose=0)
    return epochs * len(x) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--jit", action="store_true", help="also time XLA (jit_compile=True)")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    x, _ = pipelines.mnist_subset("train")
    latent, filters = 8, (32, 64)

    def plain():
        return PlainKerasVAE(conv_encoder(x.shape[1:], 2 * latent, filters), conv_decoder(latent, x.shape[1:], 1, filters), latent)

    def ours(validate):
        return tfvae.VAE(x.shape[1:], latent, architecture="conv", likelihood="bernoulli", network_kwargs={"filters": filters}, validate_inputs=validate, seed=0)

    runs = [("plain Keras VAE (reference)", plain, False), ("tfvae.VAE, checks on", lambda: ours(True), False), ("tfvae.VAE, checks off", lambda: ours(False), False)]
    if args.jit:
        runs += [("plain Keras VAE, XLA", plain, True), ("tfvae.VAE, checks off, XLA", lambda: ours(False), True)]
    reference = None
    print(f"conv VAE, MNIST subset {x.shape[0]} x 28x28x1, batch {args.batch_size}, {args.epochs} epochs timed, {tf.config.list_physical_devices()[-1].device_type}")
    print("| model | examples/s | ratio to reference |\n|---|---|---|")
    for name, build, jit in runs:
        rate = _throughput(build(), x, args.epochs, args.batch_size, jit)
        reference = reference or rate
        print(f"| {name} | {rate:,.0f} | {rate / reference:.2f} |")


if __name__ == "__main__":
    main()
