"""Configs and files written by tfvae 0.1, translated in one place.

0.1 models took one keyword per regularizer weight and option (`tc_weight`,
`mmd_weight`, `invariance_relative`, ...) and a `kl_warmup_steps`; 0.2 takes
regularizer objects and schedules. The research options that 0.2 removed change
the networks (a mixture salient prior, linear background bases, a residual
texture, linear skips): those models cannot be rebuilt and are refused with the
reason. Options that only changed the training loss (other forms of the swap
penalty) load, with a warning that further training uses the 0.2 form.
"""

import warnings

import keras
import numpy as np

from tfvae import schedules

#: 0.1 options that change the networks, and their off values.
REMOVED_NETWORKS = {"salient_components": 1, "linear_skip": [], "background_basis": False,
                    "background_encoder_basis": False, "residual_components": 0}
#: 0.1 options of the swap penalty that 0.2 has only in its relative squared form.
REMOVED_PENALTY_FORMS = {"invariance_relative": True, "invariance_swap": "target", "invariance_swap_start": 0,
                         "invariance_temperature": 0.0}


def beta_config(config):
    """`beta` with 0.1's `kl_warmup_steps` folded in as a `Ramp` (in place)."""
    steps = int(config.pop("kl_warmup_steps", 0) or 0)
    if steps:
        config["beta"] = schedules.serialize(schedules.Ramp(float(config.get("beta", 1.0)), duration=steps))
    return config


def vae_config(config):
    """A `VAE` config from a 0.1 or 0.2 config."""
    return beta_config(dict(config))


def contrastive_config(config):
    """A `ContrastiveVAE` config (serialized regularizers) from a 0.1 or 0.2 config.

    Raises:
        ValueError: a 0.1 model with networks that 0.2 no longer builds.
    """
    config = dict(config)
    if "regularizers" in config:
        return config
    removed = [key for key, off in REMOVED_NETWORKS.items() if _changed(config.get(key, off), off)]
    if removed or config.get("cluster_weight", 0.0):
        raise ValueError(f"this ContrastiveVAE was saved by tfvae 0.1 with {removed or ['cluster_weight']}, research "
                         "options that tfvae 0.2 removed (the project's git history keeps them); load it with tfvae 0.1.")
    forms = [key for key, default in REMOVED_PENALTY_FORMS.items() if _changed(config.get(key, default), default)]
    invariance = config.get("invariance_weight", 0.0)
    if invariance and forms:
        warnings.warn(f"this tfvae 0.1 model's swap penalty used {forms}; further training uses the relative squared "
                      "form (BackgroundSwapInvariance).")
    for key in (*REMOVED_NETWORKS, *REMOVED_PENALTY_FORMS, "cluster_weight"):
        config.pop(key, None)
    config["regularizers"] = [keras.saving.serialize_keras_object(r) for r in _regularizers(config)]
    config.setdefault("decoder", "joint")  # 0.1's default
    start = int(config.pop("background_basis_start", 0) or 0)
    likelihood = config.get("likelihood")
    if isinstance(likelihood, dict) and likelihood.get("class_name") == "LowRankNormal":
        likelihood["config"] = {**likelihood["config"], "start": start}
    return beta_config(config)


def _regularizers(config):
    """The 0.2 regularizer objects of 0.1's weights (popped from `config`), with the
    same penalties."""
    from tfvae.models import regularizers as reg

    size = float(np.prod(config["input_shape"]))
    tc, mmd = config.pop("tc_weight", 0.0), config.pop("mmd_weight", 0.0)
    wasserstein, invariance = config.pop("wasserstein_weight", 0.0), config.pop("invariance_weight", 0.0)
    hidden, rate = config.pop("tc_hidden_units", (64, 64)), config.pop("tc_learning_rate", 1e-3)
    bandwidths = config.pop("mmd_bandwidths", reg.DEFAULT_BANDWIDTHS)
    out = []
    if tc:
        out.append(reg.TotalCorrelation(tc, hidden_units=hidden, learning_rate=rate))
    if mmd:  # 0.1 weighed both MMD terms alike
        out += [reg.BackgroundMMD(mmd, bandwidths=bandwidths), reg.SalientMMD(mmd, bandwidths=bandwidths)]
    if wasserstein:
        out.append(reg.Wasserstein(wasserstein))
    if invariance:  # 0.1's weight was per example; 0.2's is per input value
        out.append(reg.BackgroundSwapInvariance(invariance / size))
    return out


def _changed(value, off):
    return (list(value) if isinstance(value, (list, tuple)) else value) != off


def holds_kl_scale(store):
    """Whether a model's own-variable store is 0.1's: one float `kl_scale` where 0.2
    keeps the int64 `epoch`."""
    keys = list(store.keys())
    return keys == ["0"] and np.asarray(store["0"]).dtype.kind == "f"
