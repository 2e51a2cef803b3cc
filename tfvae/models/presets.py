"""Named ContrastiveVAE recipes: the recommended one and the published methods.

A preset is data: a one-line description, the work it follows, and constructor
arguments (regularizers named by class, with their config). The recommended
preset has no arguments: the constructor's defaults are the recommended recipe.
The published methods keep tfvae's networks (`architecture="auto"`) and a Normal
likelihood with a learned scale, and take their decoder form and penalty from
the paper. `docs/named_settings_benchmark.md` compares them on the six fixed settings;
`docs/separation_benchmark.md` reports the defaults on fresh drawn settings.
"""

import dataclasses

import keras

from tfvae.models.regularizers.invariance import RECOMMENDED_WEIGHT, BackgroundSwapInvariance


@dataclasses.dataclass(frozen=True)
class Preset:
    """One named recipe.

    Attributes:
        description: str. One line: what the recipe does.
        reference: str. The work it follows.
        arguments: dict. Constructor arguments; `"regularizers"` holds
            `(class name, config)` pairs of classes registered as `tfvae>NAME`.
    """

    description: str
    reference: str
    arguments: dict = dataclasses.field(default_factory=dict)


PRESETS = {
    "recommended": Preset(
        "additive decoder, a low-rank background noise covariance (rank 16, on inputs of 256 values or more) learned from "
        "background examples over the last 60% of the training, "
        "and, where foreground and background add in data space (not counts), salient means invariant to a swap of "
        "the target's background (weight 100 / 784 per input value)",
        "tfvae; the additive decoder after Lachapelle et al. 2023, the low-rank noise after Tipping & Bishop 1999",
    ),
    "abid_zou_2019": Preset(
        "cVAE: one decoder on [s, z], total correlation between s and z penalized through a linear discriminator "
        "(weight 1, the paper's conv setting)",
        "Abid & Zou 2019, Contrastive Variational Autoencoder Enhances Salient Features, arXiv:1902.04601",
        {"decoder": "joint", "likelihood": "normal_global",
         "regularizers": (("TotalCorrelation", {"weight": 1.0, "hidden_units": ()}),)},
    ),
    "mm_cvae": Preset(
        "MM-cVAE: one decoder on [s, z], MMD between the background latents of the two groups (weight 80) and "
        "between the background examples' salient latents and 0 (weight 8): the paper's 10,000 and 1,000 on a "
        "loss summed over batches of 128",
        "Weinberger, Beebe-Wang & Lee 2022, Moment Matching Deep Contrastive Latent Variable Models, AISTATS",
        {"decoder": "joint", "likelihood": "normal_global",
         "regularizers": (("BackgroundMMD", {"weight": 80.0}), ("SalientMMD", {"weight": 8.0}))},
    ),
    "contrastive_vi": Preset(
        "contrastiveVI: one decoder on [s, z], background examples' salient posteriors pulled onto 0 by a "
        "Wasserstein penalty (weight 10; the authors' code defaults to 0); pass likelihood='negative_binomial' "
        "for counts",
        "Weinberger, Lin & Lee 2023, Isolating salient variations of interest in single-cell data with "
        "contrastiveVI, Nature Methods",
        {"decoder": "joint", "likelihood": "normal_global", "regularizers": (("Wasserstein", {"weight": 10.0}),)},
    ),
    "layered": Preset(
        "the recommended recipe with a layered decoder for images: a background from z alone, a foreground and its "
        "alpha mask from [s, z], composited m * f + (1 - m) * b (the mask 0 at s = 0, so background examples are "
        "the background layer alone), and the targets' mask area penalized (weight 0.1 per pixel); separate() also "
        "returns the mask",
        "tfvae; layered (alpha-composited) image models after Wang & Adelson 1994, Representing moving images with "
        "layers",
        {"decoder": "layered",
         "regularizers": (("BackgroundSwapInvariance", {"weight": RECOMMENDED_WEIGHT}), ("MaskArea", {"weight": 0.1}))},
    ),
}


def default_regularizers(likelihood=None):
    """The recommended regularizers for a likelihood, fresh objects:
    `[BackgroundSwapInvariance(100 / 784)]` (a weight per input value: 100 on a 28x28
    image) where foreground and background add in data space (`likelihood.layers_add`,
    or no likelihood given), none for counts, where the swap is no cell.

    Args:
        likelihood: a `tfvae.layers.Likelihood` or None.
    """
    if likelihood is not None and not likelihood.layers_add:
        return []
    return [BackgroundSwapInvariance(RECOMMENDED_WEIGHT)]


def preset_kwargs(name):
    """Fresh constructor arguments of preset `name` (new regularizer objects each call).

    Raises:
        ValueError: an unknown name.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}.")
    kwargs = dict(PRESETS[name].arguments)
    if "regularizers" in kwargs:
        kwargs["regularizers"] = [keras.saving.get_registered_object(f"tfvae>{cls}")(**dict(config))
                                  for cls, config in kwargs["regularizers"]]
    return kwargs


def describe():
    """One line per preset, `name: description (reference)`."""
    return "\n".join(f"{name}: {preset.description} ({preset.reference})" for name, preset in PRESETS.items())
