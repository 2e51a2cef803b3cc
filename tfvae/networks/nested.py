"""Config round trips of layers that hold other networks as constructor arguments."""

import copy

import keras


class HoldsNetworks(keras.layers.Layer):
    """A layer whose constructor takes Keras networks, named in `NETWORKS`: its
    `get_config` serializes them beside the other arguments (`_arguments`), and
    `from_config` rebuilds them."""

    #: Constructor arguments that are networks (attributes of the same names).
    NETWORKS = ()

    def _arguments(self):
        """The constructor arguments other than the networks."""
        return {}

    def get_config(self):
        networks = {key: keras.saving.serialize_keras_object(getattr(self, key)) for key in self.NETWORKS}
        return {**super().get_config(), **self._arguments(), **networks}

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserializing consumes the nested configs
        for key in cls.NETWORKS:
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
