"""Probabilistic PCA of what the decoder leaves out of background examples (a tfvae addition)."""

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfvae")
class ResidualTexture(keras.layers.Layer):
    """The part of a residual that looks like the background's residuals.

    A conv decoder blurs fine textures: on mnist_on_grass (all ten digits) a
    ContrastiveVAE decodes grass alone at an MSE of 0.015, PCA with 64 components
    at 0.009. This layer holds a probabilistic PCA (Tipping & Bishop 1999) of the
    residuals r = x - E[x | s = 0, z] of background examples, fitted after training:
    r = W u + mu + eps, u ~ N(0, I_k), eps ~ N(0, sigma^2 I). At the maximum
    likelihood W = U_k (Lambda_k - sigma^2 I)^(1/2), with U_k, Lambda_k the top k
    eigenvectors and eigenvalues of the residuals' covariance and sigma^2 the mean
    of the others, and the posterior mean of the texture is

        W E[u | r] = U_k diag((lambda_i - sigma^2) / lambda_i) U_k^T (r - mu) (+ mu),

    a projection onto the background's residual directions, shrunk where they are
    close to the noise level. Called on a target's residual x - E[x | s, z], it
    returns the background texture the decoder missed; what the salient path
    leaves of the foreground lies mostly outside those directions.

    Before `fit` every weight is 0 and the layer returns 0.

    Args:
        size: int. Number of values per example (the flattened input size).
        components: int. k, the number of principal directions, 1 <= k < size.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, size, components, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.size, self.components = int(size), int(components)
        if not 1 <= self.components < self.size:
            raise ValueError(f"ResidualTexture: components must lie in [1, size={self.size}), got {components}.")

    def build(self, input_shape=None):
        zeros = dict(initializer="zeros", trainable=False)
        self.mean = self.add_weight(name="mean", shape=(self.size,), **zeros)
        self.basis = self.add_weight(name="basis", shape=(self.size, self.components), **zeros)  # U_k
        self.gain = self.add_weight(name="gain", shape=(self.components,), **zeros)  # (lambda - sigma^2) / lambda

    def fit(self, residuals, seed=0):
        """Maximum-likelihood PPCA of `residuals`, `(N, ...)` with `size` values each.

        Args:
            residuals: array of background examples' residuals; N > `components`.
            seed: int. Seed of scikit-learn's randomized SVD (used for large inputs).

        Returns:
            The noise variance sigma^2 (a float).

        Raises:
            ValueError: too few residuals, or a size other than `size`.
        """
        from sklearn.decomposition import PCA

        flat = np.asarray(residuals, "float32").reshape(len(residuals), -1)  # (N, size), held in memory
        if flat.shape[1] != self.size or len(flat) <= self.components:
            raise ValueError(
                f"ResidualTexture.fit: needs more than {self.components} residuals of {self.size} values, got {flat.shape}."
            )
        pca = PCA(n_components=self.components, random_state=seed).fit(flat)
        noise = float(pca.noise_variance_)
        gain = np.clip((pca.explained_variance_ - noise) / pca.explained_variance_, 0.0, 1.0)
        self.mean.assign(pca.mean_.astype("float32"))
        self.basis.assign(pca.components_.T.astype("float32"))
        self.gain.assign(gain.astype("float32"))
        return noise

    def call(self, residuals):
        """`(B, ...)` residuals -> `(B, ...)` posterior-mean textures, same shape."""
        flat = tf.reshape(tf.cast(residuals, tf.float32), (tf.shape(residuals)[0], self.size))
        coefficients = tf.matmul(flat - self.mean, self.basis) * self.gain  # (B, k); 0 before fit
        texture = tf.matmul(coefficients, self.basis, transpose_b=True) + self.mean
        return tf.reshape(texture, tf.shape(residuals))

    def get_config(self):
        return {**super().get_config(), "size": self.size, "components": self.components}
