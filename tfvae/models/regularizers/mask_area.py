"""The area of the targets' masks under a layered decoder (a tfvae addition)."""

import keras
import tensorflow as tf

from tfvae.models.regularizers.base import Regularizer
from tfvae.networks.layered import LayeredDecoder


@keras.saving.register_keras_serializable(package="tfvae")
class MaskArea(Regularizer):
    """Mean over targets of the area of their mask, sum_p m_p(s, z), at the step's
    posterior samples: a `tfvae.networks.LayeredDecoder` draws on its foreground
    layer only the pixels its background layer b(z) cannot explain by at least
    `weight` nats each. (Background examples' masks are 0 by construction.)

    The penalty is in pixels, as the reconstruction term is a sum over them, so one
    `weight` (nats per masked pixel) serves every image size.

    Args:
        weight: float or `tfvae.schedules.Schedule`, per masked pixel.
        **kwargs: `keras.layers.Layer` arguments.
    """

    term = "mask_area"

    def setup(self, model):
        if not isinstance(model.decoder, LayeredDecoder):
            raise ValueError("MaskArea needs decoder='layered' (a LayeredDecoder), "
                             f"got a decoder of kind {model.decoder_kind or type(model.decoder).__name__!r}.")

    def penalty(self, forward):
        mask = forward.model.decoder.mask(tf.concat([forward.s, forward.z], -1), training=forward.training)  # (B_t, P)
        return tf.reduce_mean(tf.reduce_sum(mask, axis=-1))
