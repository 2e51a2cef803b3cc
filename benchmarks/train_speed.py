"""Training throughput of tfvae's models against plain-Keras models of the same networks.

Every reference is a plain `keras.Model` with a custom `train_step` written as the
keras.io VAE example writes it (closed-form Gaussian KL, `z = mu + sigma * eps`,
summed log-likelihood), on the very same encoder/decoder networks, so a ratio
isolates what tfvae adds (TFP distributions, input checks, regularizers). The
models of one table are built and warmed up (one untimed epoch) first, then
timed one epoch each in turn, round after round, in this one process: a ratio is
tfvae's examples/s over the reference's in the same round, and the tables give
the median over rounds (and the range). The speed of these shared CPUs shifts
between levels from minute to minute, so single runs say little.

Sections (`--sections`, default all):
  vae          VAE vs plain Keras, on the keras.io gallery networks and on tfvae's
               conv networks, input checks on and off.
  contrastive  ContrastiveVAE with each preset vs a plain-Keras contrastive VAE
               (two encoders, one decoder on [s, z], ELBO only) on tfvae's networks.
  batch        VAE vs plain Keras at batch sizes 32 to 512, steps_per_execution 1 and 8.
  precision    float32 against mixed_bfloat16, with the held-out ELBO after the
               same number of epochs beside each rate.

    python benchmarks/train_speed.py --out docs/train_speed.md --notes benchmarks/train_speed_notes.md
"""

import argparse
import shlex
import statistics
import sys
import time

import keras
import numpy as np
import tensorflow as tf

import pipelines
import tfvae
from tfvae.networks import conv_decoder, conv_encoder

LATENT, SALIENT, BACKGROUND, FILTERS = 8, 2, 8, (32, 64)


# ----------------------------------------------------------------- networks
def gallery_networks(latent, shape=(28, 28, 1)):
    """The keras.io VAE example's encoder and decoder, the encoder's two heads as one
    `(B, 2 * latent)` output and the decoder's logits flattened."""
    inputs = keras.Input(shape)
    h = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(inputs)
    h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Dense(16, activation="relu")(keras.layers.Flatten()(h))
    encoder = keras.Model(inputs, keras.layers.Dense(2 * latent)(h), name="gallery_encoder")
    z = keras.Input((latent,))
    h = keras.layers.Reshape((7, 7, 64))(keras.layers.Dense(7 * 7 * 64, activation="relu")(z))
    h = keras.layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(h)
    logits = keras.layers.Flatten(dtype="float32")(keras.layers.Conv2DTranspose(1, 3, padding="same")(h))
    return encoder, keras.Model(z, logits, name="gallery_decoder")


def project_networks(latent, shape=(28, 28, 1), outputs_per_dim=1):
    """tfvae's own conv encoder and decoder (filters 32, 64)."""
    return conv_encoder(shape, 2 * latent, FILTERS), conv_decoder(latent, shape, outputs_per_dim, FILTERS)


# --------------------------------------------------------------- references
def gaussian_kl(params, latent):
    """KL(N(mu, exp(log_var)) || N(0, I)) per example, and a reparameterized sample."""
    mean, log_var = tf.split(tf.cast(params, tf.float32), [latent, latent], axis=-1)
    kl = -0.5 * tf.reduce_sum(1 + log_var - tf.square(mean) - tf.exp(log_var), axis=1)
    return kl, mean, log_var


def sample(mean, log_var):
    return mean + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mean))


class PlainKerasVAE(keras.Model):
    """The keras.io VAE objective (Bernoulli, summed cross-entropy) on given networks."""

    def __init__(self, encoder, decoder, latent):
        super().__init__()
        self.encoder, self.decoder, self.latent = encoder, decoder, latent
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def negative_elbo(self, x, training):
        kl, mean, log_var = gaussian_kl(self.encoder(x, training=training), self.latent)
        logits = tf.reshape(tf.cast(self.decoder(sample(mean, log_var), training=training), tf.float32), tf.shape(x))
        rec = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=[1, 2, 3])
        return rec + kl

    def train_step(self, x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self.negative_elbo(x, True))
            scaled = self.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def heldout_elbo(self, x):
        return -float(np.mean([np.mean(self.negative_elbo(x[i : i + 256], False)) for i in range(0, len(x), 256)]))


class PlainContrastiveVAE(keras.Model):
    """A contrastive VAE in plain Keras: a salient and a background encoder, one
    decoder on [s, z], a Normal likelihood with one learned scale, ELBO only
    (targets with both KLs, backgrounds decoded at s = 0)."""

    def __init__(self, salient_encoder, background_encoder, decoder):
        super().__init__()
        self.salient_encoder, self.background_encoder, self.decoder = salient_encoder, background_encoder, decoder
        self.log_scale = self.add_weight(shape=(), initializer="zeros", name="log_scale")
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def _reconstruction(self, x, s, z):
        mean = tf.reshape(tf.cast(self.decoder(tf.concat([s, z], -1), training=True), tf.float32), tf.shape(x))
        log_prob = -0.5 * tf.square((x - mean) / tf.exp(self.log_scale)) - self.log_scale - 0.5 * np.log(2 * np.pi)
        return -tf.reduce_sum(log_prob, axis=[1, 2, 3])

    def train_step(self, data):
        x_t, x_b = data["target"], data["background"]
        with tf.GradientTape() as tape:
            kl_s, s_mean, s_log_var = gaussian_kl(self.salient_encoder(x_t, training=True), SALIENT)
            kl_z, z_mean, z_log_var = gaussian_kl(self.background_encoder(x_t, training=True), BACKGROUND)
            kl_zb, zb_mean, zb_log_var = gaussian_kl(self.background_encoder(x_b, training=True), BACKGROUND)
            z_b = sample(zb_mean, zb_log_var)
            target = self._reconstruction(x_t, sample(s_mean, s_log_var), sample(z_mean, z_log_var)) + kl_s + kl_z
            background = self._reconstruction(x_b, tf.zeros_like(z_b[:, :SALIENT]), z_b) + kl_zb
            loss = tf.reduce_mean(target) + tf.reduce_mean(background)
            scaled = self.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


# ------------------------------------------------------------------ timing
def prepare(model, data, batch_size, steps_per_execution=1, jit_compile=False):
    """Compiles `model` and trains it one untimed epoch (tracing, warm-up)."""
    model.compile(keras.optimizers.Adam(1e-3), jit_compile=jit_compile, steps_per_execution=steps_per_execution)
    model.fit(data, epochs=1, batch_size=batch_size, verbose=0, shuffle=False)
    return model


def epoch_rate(model, data, batch_size):
    """Examples/s of one more epoch of `fit` (the step already traced)."""
    start = time.perf_counter()
    model.fit(data, epochs=1, batch_size=batch_size, verbose=0, shuffle=False)
    n = len(data["target"]) if isinstance(data, dict) else len(data)
    return n / (time.perf_counter() - start)


def rounds(runs, data, batch_size, count, steps_per_execution=1, jit_compile=False):
    """Builds and warms up every model of `(name, build)` in `runs`, then times one
    epoch of each in turn, `count` rounds: the models alternate epoch by epoch, so
    the shifts of a shared machine's speed fall on all of them alike. Returns
    `({name: [rate per round]}, {name: model})`."""
    models = {}
    for name, build in runs:
        keras.utils.set_random_seed(0)
        models[name] = prepare(build(), data, batch_size, steps_per_execution, jit_compile)
    rates = {name: [] for name, _ in runs}
    for round_index in range(count):
        for name, _ in runs:
            rates[name].append(epoch_rate(models[name], data, batch_size))
            print(f"  round {round_index + 1}: {name}: {rates[name][-1]:,.0f} examples/s", file=sys.stderr, flush=True)
    return rates, models


def ratio_cells(rates, reference):
    """Median examples/s, and the median (min-max) of the per-round ratios to `reference`."""
    rows = {}
    for name, values in rates.items():
        ratios = [v / r for v, r in zip(values, rates[reference])]
        rows[name] = (f"{statistics.median(values):,.0f}",
                      f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
    return rows


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


# ----------------------------------------------------------------- sections
def vae_section(x, args):
    def ours(networks, validate):
        def build():
            encoder, decoder = networks(LATENT)
            return tfvae.VAE(x.shape[1:], LATENT, likelihood="bernoulli", encoder=encoder, decoder=decoder,
                             validate_inputs=validate, seed=0)
        return build

    out = []
    for label, networks in (("keras.io gallery networks", gallery_networks), ("tfvae conv networks", project_networks)):
        runs = [("plain Keras VAE (reference)", lambda n=networks: PlainKerasVAE(*n(LATENT), LATENT)),
                ("tfvae.VAE, checks on (default)", ours(networks, True)),
                ("tfvae.VAE, checks off", ours(networks, False))]
        rates, _ = rounds(runs, x, args.batch_size, args.rounds)
        cells = ratio_cells(rates, runs[0][0])
        out.append(f"**{label}**, batch {args.batch_size}, {args.rounds} alternating epochs each\n\n"
                   + table(["model", "examples/s (median)", "ratio to reference: median (range)"],
                           [(name, *cells[name]) for name, _ in runs]))
    return "\n\n".join(out)


def contrastive_section(data, args):
    shape = data["target"].shape[1:]

    def plain():
        return PlainContrastiveVAE(conv_encoder(shape, 2 * SALIENT, FILTERS), conv_encoder(shape, 2 * BACKGROUND, FILTERS),
                                   conv_decoder(SALIENT + BACKGROUND, shape, 1, FILTERS))

    def preset(name):
        return lambda: tfvae.ContrastiveVAE.from_preset(name, shape, SALIENT, BACKGROUND,
                                                         network_kwargs={"filters": FILTERS}, seed=0)

    runs = [("plain Keras contrastive VAE (reference)", plain)]
    runs += [(f"ContrastiveVAE, preset {name}" + (" (the defaults)" if name == "recommended" else ""), preset(name))
             for name in tfvae.models.presets.PRESETS]
    rates, _ = rounds(runs, data, args.batch_size, args.contrastive_rounds)
    cells = ratio_cells(rates, runs[0][0])
    return (f"Pairs of mnist_on_grass (target, background), batch {args.batch_size} pairs, {args.contrastive_rounds} "
            "alternating epochs each; examples/s counts pairs.\n\n"
            + table(["model", "pairs/s (median)", "ratio to reference: median (range)"],
                    [(name, *cells[name]) for name, _ in runs]))


def batch_section(x, args):
    def ours():
        return tfvae.VAE(x.shape[1:], LATENT, architecture="conv", likelihood="bernoulli",
                         network_kwargs={"filters": FILTERS}, seed=0)

    rows = []
    for batch_size in (32, 64, 128, 256, 512):
        for spe in (1, 8):
            runs = [("reference", lambda: PlainKerasVAE(*project_networks(LATENT), LATENT)), ("tfvae", ours)]
            rates, _ = rounds(runs, x, batch_size, args.batch_rounds, spe)
            cells = ratio_cells(rates, "reference")
            rows.append((str(batch_size), str(spe), cells["reference"][0], cells["tfvae"][0], cells["tfvae"][1]))
    return (f"tfvae conv networks, checks on, {args.batch_rounds} alternating epochs each per cell\n\n"
            + table(["batch", "steps_per_execution", "reference examples/s", "tfvae.VAE examples/s",
                     "ratio: median (range)"], rows))


def precision_section(x, x_test, args):
    def build(kind, policy):
        def make():
            keras.mixed_precision.set_global_policy(policy)
            try:
                if kind == "reference":
                    return PlainKerasVAE(*project_networks(LATENT), LATENT)
                return tfvae.VAE(x.shape[1:], LATENT, architecture="conv", likelihood="bernoulli",
                                 network_kwargs={"filters": FILTERS}, seed=0)
            finally:  # the layers keep the policy they were built under
                keras.mixed_precision.set_global_policy("float32")
        return make

    runs = [(f"{kind}, {policy}", build(kind, policy)) for kind in ("reference", "tfvae.VAE")
            for policy in ("float32", "mixed_bfloat16")]
    rates, models = rounds(runs, x, args.batch_size, args.rounds)
    cells = ratio_cells(rates, runs[0][0])
    heldout = {name: model.heldout_elbo(x_test) if isinstance(model, PlainKerasVAE)
               else float(np.mean(model.elbo(x_test, seed=0))) for name, model in models.items()}
    rows = [(name, *cells[name], f"{heldout[name]:.1f}") for name, _ in runs]
    return (f"tfvae conv networks, batch {args.batch_size}, {args.rounds} alternating epochs each (after one untimed); "
            f"held-out ELBO of the {len(x_test)} test images after those {args.rounds + 1} epochs (nats, one sample)\n\n"
            + table(["model, policy", "examples/s (median)", "ratio to float32 reference: median (range)",
                     "held-out ELBO"], rows))


SECTIONS = ("vae", "contrastive", "batch", "precision")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=10, help="timed epochs per model (VAE and precision sections)")
    parser.add_argument("--contrastive-rounds", type=int, default=6)
    parser.add_argument("--batch-rounds", type=int, default=5)
    parser.add_argument("--out", help="also write the tables to this markdown file")
    parser.add_argument("--notes", help="a markdown file appended to --out (the reading of the figures)")
    args = parser.parse_args()
    x, _ = pipelines.mnist_subset("train")
    x_test, _ = pipelines.mnist_subset("test")
    grass = pipelines.mnist_on_grass("train")
    pairs = {"target": grass.target["x"], "background": grass.background["x"][: len(grass.target["x"])]}
    device = tf.config.list_physical_devices()[-1].device_type
    parts = [f"# Training throughput against plain Keras\n\nMade by `{shlex.join(['python', *sys.argv])}` "
             f"(MNIST subset {len(x)} x 28x28x1 for the VAEs; {len(pairs['target'])} mnist_on_grass pairs; "
             f"device {device}; TensorFlow {tf.__version__}, Keras {keras.__version__})."]
    for section in args.sections:
        print(f"section {section}", file=sys.stderr, flush=True)
        if section == "vae":
            body = vae_section(x, args)
        elif section == "contrastive":
            body = contrastive_section(pairs, args)
        elif section == "batch":
            body = batch_section(x, args)
        else:
            body = precision_section(x, x_test, args)
        parts.append(f"## {section}\n\n{body}")
        print(parts[-1] + "\n", flush=True)
    if args.out:
        if args.notes:
            with open(args.notes) as f:
                parts.append(f.read().strip())
        with open(args.out, "w") as f:
            f.write("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
