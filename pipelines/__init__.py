"""tf.data input pipelines and datasets for tfvae."""

from pipelines.offline import digits_8x8, mnist_subset

__all__ = ["digits_8x8", "mnist_subset"]
