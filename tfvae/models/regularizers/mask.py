"""The mask of background examples under a layered decoder (a tfvae addition)."""

import keras
import tensorflow as tf

from tfvae.models.regularizers.base import Regularizer
from tfvae.networks.layered import LayeredDecoder


@keras.saving.register_keras_serializable(package="tfvae")
class BackgroundMask(Regularizer):
    """Mean over background examples of the area of their mask, sum_p m_p(0, z_b):
    background examples, decoded with s = 0, should draw nothing on the foreground
    layer of a `tfvae.networks.LayeredDecoder`. Targets' masks are left to the ELBO.

    The penalty is in pixels, like the reconstruction term is a sum over them, so
    one `weight` (per pixel) serves every image size.

    Args:
        weight: float or `tfvae.schedules.Schedule`, per masked pixel.
        **kwargs: `keras.layers.Layer` arguments.
    """

    term = "background_mask"

    def setup(self, model):
        if not isinstance(model.decoder, LayeredDecoder):
            raise ValueError("BackgroundMask needs decoder='layered' (a LayeredDecoder), "
                             f"got a decoder of kind {model.decoder_kind or type(model.decoder).__name__!r}.")

    def penalty(self, forward):
        z = forward.z_background
        s = tf.zeros((tf.shape(z)[0], forward.model.salient_dim), z.dtype)
        mask = forward.model.decoder.mask(tf.concat([s, z], -1), training=forward.training)  # (B_b, P)
        return tf.reduce_mean(tf.reduce_sum(mask, axis=-1))
