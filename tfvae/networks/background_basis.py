"""A linear background path that learns from background examples only (a tfvae addition)."""

import keras
import tensorflow as tf

from tfvae.layers.gradient_gate import gradient_gate


@keras.saving.register_keras_serializable(package="tfvae")
class BackgroundBasis(keras.layers.Layer):
    """`z V`: likelihood parameters linear in the background latents.

    `ContrastiveVAE(background_basis=True)` adds `z V` to the decoder's output. On
    background examples V is trained like any weight; on target examples the model
    calls it with `learn=False`, so the target ELBO's gradient reaches z but not V.
    V is then a linear model of the background-only data (what PCA of the
    background crops is), which targets can use for their background but cannot
    reshape to draw their foreground. A conv decoder alone blurs fine textures: on
    grass crops alone, a 64-d conv VAE reached a test MSE of 0.0147, with a linear
    skip 0.0098, and PCA with 64 components 0.0086
    (`benchmarks/background_capacity.py`).

    Args:
        size: int. Number of likelihood parameters per example.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, size, **kwargs):
        kwargs.setdefault("dtype", "float32")  # likelihood parameters stay float32
        super().__init__(**kwargs)
        if int(size) < 1:
            raise ValueError(f"BackgroundBasis: size must be a positive int, got {size}.")
        self.size = int(size)

    def build(self, input_shape):
        # Zeros: the model starts as if the basis were absent.
        self.basis = self.add_weight(name="basis", shape=(int(input_shape[-1]), self.size), initializer="zeros")

    def call(self, z, learn=True):
        """`(B, d_z)` latents -> `(B, size)`; `learn=False` holds V fixed for the gradient
        (a boolean tensor switches it in the graph: `gradient_gate`)."""
        basis = gradient_gate(self.basis, learn)
        return tf.matmul(tf.cast(z, basis.dtype), basis)

    def get_config(self):
        return {**super().get_config(), "size": self.size}
