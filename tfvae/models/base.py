"""Shared machinery of the latent variable models: the custom train/test step,
loss trackers, input checks, noise seeds and KL warm-up.

A subclass implements `_loss_terms(data, training)` returning a dict of named terms
(per-example tensors or scalars) with a scalar `"loss"`; the same dict feeds the
gradient step and the logged metrics (the Pythae "model output" idea).
"""

import keras
import tensorflow as tf

from tfvae.models import checks


class LatentVariableModel(keras.Model):
    """Base `keras.Model` with a custom `train_step` minimizing `_loss_terms()["loss"]`.

    Args:
        beta: float. Weight of the KL term (beta-VAE, Higgins et al. 2017); 1 gives
            the ELBO of eq. 2.7.
        kl_warmup_steps: int. Linearly raise the KL weight from 0 to `beta` over this
            many optimizer steps (0: no warm-up).
        num_samples: int. Monte-Carlo samples of z per example.
        validate_inputs: bool. Check batches for shape, NaN/inf and likelihood
            support, raising `ValueError`. Value checks are graph assertions that
            XLA drops, so with checks on `compile(jit_compile="auto")` turns XLA
            off; set False for speed once the data is known to be clean.
        seed: int or None. Seed of the model's noise generator.
        **kwargs: passed to `keras.Model`.
    """

    #: Names of the per-example terms tracked as metrics (the loss is always tracked).
    metric_names = ()

    def __init__(self, *, beta=1.0, kl_warmup_steps=0, num_samples=1, validate_inputs=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}.")
        if int(num_samples) < 1:
            raise ValueError(f"num_samples must be >= 1, got {num_samples}.")
        if int(kl_warmup_steps) < 0:
            raise ValueError(f"kl_warmup_steps must be >= 0, got {kl_warmup_steps}.")
        self.beta = float(beta)
        self.kl_warmup_steps = int(kl_warmup_steps)
        self.num_samples = int(num_samples)
        self.validate_inputs = bool(validate_inputs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.term_trackers = [keras.metrics.Mean(name=name) for name in self.metric_names]

    # ----------------------------------------------------------------- config
    def _base_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "beta": self.beta,
            "kl_warmup_steps": self.kl_warmup_steps,
            "num_samples": self.num_samples,
            "validate_inputs": self.validate_inputs,
            "seed": self.seed,
        }

    # ------------------------------------------------------------------ noise
    def noise_seed(self, seed=None):
        """A stateless seed `(2,)`: from `seed` if given (reproducible), else the next
        draw of the model's `SeedGenerator`."""
        if seed is None:
            return tf.cast(self.seed_generator.next(), tf.int32)
        return tf.constant([int(seed), 0], dtype=tf.int32)

    def kl_weight(self, step=None):
        """beta, scaled by min(1, step / kl_warmup_steps) during warm-up."""
        if not self.kl_warmup_steps:
            return tf.constant(self.beta, tf.float32)
        if step is None:
            step = self.optimizer.iterations if self.optimizer is not None else self.kl_warmup_steps
        ramp = tf.minimum(1.0, tf.cast(step, tf.float32) / float(self.kl_warmup_steps))
        return self.beta * ramp

    # ----------------------------------------------------------------- inputs
    def _prepare(self, x, input_shape, likelihood, name="x"):
        """Casts `x` to float and runs the checks enabled by `validate_inputs`."""
        # float32 data: the likelihood scores it in float32 even under mixed precision.
        x = checks.as_float(x, tf.float32, name)
        checks.check_static_shape(x, input_shape, name)
        if self.validate_inputs:
            with tf.control_dependencies(checks.check_values(x, likelihood, name)):
                x = tf.identity(x)
        return x

    # ------------------------------------------------------------- train loop
    def _loss_terms(self, data, training):
        """Returns a dict of named terms with a scalar `"loss"`; subclasses implement."""
        raise NotImplementedError

    def _trainable_for_loss(self):
        """Variables the main optimizer updates (subclasses may exclude some)."""
        return self.trainable_variables

    @property
    def metrics(self):
        return [self.loss_tracker, *self.term_trackers]

    def train_step(self, data):
        variables = self._trainable_for_loss()
        with tf.GradientTape() as tape:
            terms = self._loss_terms(data, training=True)
            # Gradients are summed over replicas, so each replica's mean is divided
            # by the number of replicas: the update uses the global-batch mean.
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            loss = self.optimizer.scale_loss(terms["loss"] / replicas)
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self._update_trackers(terms)

    def test_step(self, data):
        return self._update_trackers(self._loss_terms(data, training=False))

    def _update_trackers(self, terms):
        self.loss_tracker.update_state(terms["loss"])
        for tracker in self.term_trackers:
            tracker.update_state(terms[tracker.name])
        return {m.name: m.result() for m in self.metrics}

    # ------------------------------------------------------- keras overrides
    def _resolve_auto_jit_compile(self):
        """`jit_compile="auto"` means no XLA while value checks are on (XLA would
        silently drop them) and Keras's own choice otherwise."""
        if self.validate_inputs:
            return False
        return super()._resolve_auto_jit_compile()

    def fit(self, *args, **kwargs):
        """`keras.Model.fit`; failed input checks surface as `ValueError`."""
        with checks.input_errors_as_value_errors():
            return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        """`keras.Model.evaluate`; failed input checks surface as `ValueError`."""
        with checks.input_errors_as_value_errors():
            return super().evaluate(*args, **kwargs)
