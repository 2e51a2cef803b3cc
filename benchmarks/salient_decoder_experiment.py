"""Experiment (#28): a cheaper salient network in the additive decoder.

The recommended recipe's additive decoder f_s(s) + f_z(z) builds f_s like f_z,
so a target's decode costs two full decoder passes: on the 28x28 conv networks
(filters 32, 64) each is 22.3M multiply-adds per example, and the recipe's step
comes to 1.64x the plain contrastive VAE's. The foreground a salient network
draws (a digit) is simpler than a texture, so this experiment builds f_s
narrower, in its own processes only:

- `half`: the same architecture at half the width (conv filters 16, 32, about a
  quarter of the multiply-adds; MLP hidden units halved);
- `mlp`: a fully connected f_s (hidden 128, 256) whatever the architecture.

Speed, then quality on suite settings beside the stored recipe runs:

    PYTHONPATH=.:benchmarks python benchmarks/salient_decoder_experiment.py --runs RUNS --variant half --speed
    PYTHONPATH=.:benchmarks python benchmarks/salient_decoder_experiment.py --runs RUNS --variant half \\
        --settings grass_01 alpha_0123 gravel_0123 small_brick counts
"""

from tfvae.models.base import LatentVariableModel
from tfvae.networks.factory import build_decoder


def narrower(architecture, kwargs):
    """The builders' options at half the width (at least 1 unit or filter)."""
    key, default = ("filters", (32, 64)) if architecture == "conv" else ("hidden_units", (256, 128))
    return {**kwargs, key: tuple(max(1, int(units) // 2) for units in kwargs.get(key, default))}


def patch_salient(build):
    """Makes models built from now on take their salient decoder from `build(model, latent_dim)`."""
    original = LatentVariableModel._decoder

    def _decoder(self, given, latent_dim, role="decoder"):
        if given is None and role == "salient_decoder":
            given = build(self, latent_dim)
        return original(self, given, latent_dim, role)

    LatentVariableModel._decoder = _decoder


def half():
    patch_salient(lambda model, latent_dim: build_decoder(
        model.architecture, latent_dim, model.data_shape, model.likelihood.params_per_dim, name="salient_decoder",
        **narrower(model.architecture, model.network_kwargs)))


def mlp():
    patch_salient(lambda model, latent_dim: build_decoder(
        "mlp", latent_dim, model.data_shape, model.likelihood.params_per_dim, name="salient_decoder"))


if __name__ == "__main__":
    import recipe_experiment

    recipe_experiment.main({"half": ("salient network at half width", half),
                            "mlp": ("fully connected salient network", mlp)}, __doc__)
