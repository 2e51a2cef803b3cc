"""Whether a ContrastiveVAE separated anything, told without labels.

A user without labels cannot compute a silhouette; what they do have is which
examples are targets and which are backgrounds. If the salient space holds what
only the targets have, s tells a held-out target from a background
(`salient_auc` well above 0.5), decoding a target with its s explains more of it
than decoding it with s = 0 (`salient_gain`), and the background latents z, which
should hold what both sets share, tell them apart less well than s does
(`background_auc`). `separation_warnings` turns the scores into one line of
advice each; its thresholds were chosen on development draws of the setting
families (`pipelines.families`) and its precision and recall are reported on
fresh draws in `docs/separation_benchmark.md`.
"""

import warnings

import numpy as np
import tensorflow as tf

# Both chosen on 60 development draws (vectors and counts, seeds 0-29) by
# `benchmarks/calibrate_warning.py`: the most failures caught at no more than 20%
# false alarms (5 failed draws, 1 caught; 13% false alarms).
#: salient AUC at or below which the salient space is called empty.
EMPTY_AUC = 0.52
#: background AUC above the salient AUC plus this margin (and above `EMPTY_AUC`) is
#: called target signal in z.
LEAK_MARGIN = -0.05
#: Examples of each set the scores use at most (a seeded subsample).
MAX_EXAMPLES = 2000


def group_auc(target_features, background_features, seed=0, folds=2):
    """How well features tell targets from backgrounds: the cross-validated ROC AUC
    of a logistic regression on the features and their pairwise products.

    0.5: indistinguishable; 1: perfectly told apart. Quadratic features let a
    set that surrounds the other (targets spread around the backgrounds' s) count.

    Args:
        target_features: array `(N, d)`.
        background_features: array `(M, d)`.
        seed: int. Seed of the folds.
        folds: int. Stratified folds; every score is on examples the classifier did
            not see.

    Returns:
        A float in [0, 1].
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    features = np.concatenate([np.asarray(target_features), np.asarray(background_features)]).astype("float64")
    groups = np.repeat([1, 0], [len(target_features), len(background_features)])
    if min(np.bincount(groups, minlength=2)) < folds:
        raise ValueError(f"group_auc needs at least {folds} targets and {folds} backgrounds.")
    classifier = make_pipeline(StandardScaler(), PolynomialFeatures(2), LogisticRegression(C=1.0, max_iter=1000))
    split = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores = cross_val_predict(classifier, features, groups, cv=split, method="decision_function")
    return _auc(scores, groups)


def _auc(scores, groups):
    """ROC AUC of `scores` for `groups` (1 positive), ties counted half."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    positives = groups == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def separation_diagnostics(model, target, background, seed=0, max_examples=MAX_EXAMPLES):
    """Label-free scores of a trained `ContrastiveVAE` on held-out examples.

    Args:
        model: a trained `tfvae.ContrastiveVAE`.
        target: array `(N, *input_shape)` of held-out targets.
        background: array `(M, *input_shape)` of held-out backgrounds.
        seed: int. Seed of the subsample and of the folds.
        max_examples: int. Examples of each set used at most.

    Returns:
        Dict of floats: `salient_auc` and `background_auc` (`group_auc` of the
        posterior means E[s|x] and E[z|x]); `salient_units` and
        `background_units` (`tfvae.metrics.active_units` on the targets);
        `salient_gain` and `salient_gain_background`, the mean per example of the
        gain of `latents_and_gain` (nats) on targets and on backgrounds.
    """
    from tfvae import metrics

    rng = np.random.default_rng(seed)
    pick = lambda x: x if len(x) <= max_examples else x[np.sort(rng.choice(len(x), max_examples, replace=False))]
    s_t, z_t, gain_t = latents_and_gain(model, pick(target))
    s_b, z_b, gain_b = latents_and_gain(model, pick(background))
    return {
        "salient_auc": group_auc(s_t, s_b, seed),
        "background_auc": group_auc(z_t, z_b, seed),
        "salient_units": metrics.active_units(s_t),
        "background_units": metrics.active_units(z_t),
        "salient_gain": float(np.mean(gain_t)),
        "salient_gain_background": float(np.mean(gain_b)),
    }


def latents_and_gain(model, x, batch_size=256):
    """E[s|x], E[z|x] and what s adds to each example's fit, from one encoder pass
    per batch.

    The gain is log p(x | E[s|x], E[z|x]) - log p(x | 0, E[z|x]) in nats: large on
    targets whose foreground s explains, near 0 on backgrounds and where the
    salient space is empty.

    Args:
        model: a `tfvae.ContrastiveVAE`.
        x: array `(N, *input_shape)`.
        batch_size: int. Examples encoded at a time.

    Returns:
        numpy arrays `(N, salient_dim)`, `(N, background_dim)` and `(N,)`.
    """
    parts = []
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size]
        q_s, q_z = model.encode(batch)  # checks the batch
        s, z = q_s.mean(), q_z.mean()
        batch = tf.cast(batch, tf.float32)
        gain = model.decode(s, z).log_prob(batch) - model.decode(tf.zeros_like(s), z).log_prob(batch)  # (B,)
        parts.append((s.numpy(), z.numpy(), gain.numpy()))
    return tuple(np.concatenate(column) for column in zip(*parts))


def diagnose(model, target, background, seed=0):
    """`separation_diagnostics`, warning (`UserWarning`, one line each) of an empty
    salient space or target-only signal in z (`separation_warnings`).

    Args:
        model: a trained `tfvae.ContrastiveVAE`.
        target: array `(N, *input_shape)` of held-out targets.
        background: array `(M, *input_shape)` of held-out backgrounds.
        seed: int. Seed of the subsample and of the classifier's folds.

    Returns:
        The dict of scores.
    """
    scores = separation_diagnostics(model, target, background, seed)
    for line in separation_warnings(scores):
        warnings.warn(line, UserWarning, stacklevel=3)
    return scores


def separation_warnings(diagnostics, empty_auc=EMPTY_AUC, leak_margin=LEAK_MARGIN):
    """One line of advice for each sign of failed separation in `diagnostics`
    (`separation_diagnostics`, keys with or without a prefix such as `test_`).

    Two signs: an empty salient space (no salient unit in use, or s tells targets
    from backgrounds no better than an AUC of `empty_auc`), and target-only signal in
    z (z tells them apart above `empty_auc` too, and better than s by more than
    `leak_margin`, which may be negative: nearly as well as s).

    Args:
        diagnostics: dict of scores.
        empty_auc: float. The salient AUC at or below which s is called empty.
        leak_margin: float. How much better z may tell the sets apart than s.

    Returns:
        List of str, empty when neither sign shows.
    """
    get = lambda key: next((v for k, v in diagnostics.items() if k.endswith(key)), None)
    salient_auc, background_auc, units = get("salient_auc"), get("background_auc"), get("salient_units")
    lines = []
    if salient_auc is None:
        return lines
    if units == 0 or salient_auc <= empty_auc:
        lines.append(f"the salient space looks empty: s tells held-out targets from backgrounds at AUC "
                     f"{salient_auc:.2f} (0.5 is chance) with {units} unit(s) in use. Train longer, lower the "
                     "regularizers' weights, or check that the targets hold something the backgrounds lack.")
    elif background_auc is not None and background_auc > max(salient_auc + leak_margin, empty_auc):
        lines.append(f"target-only signal sits in the background latents: z, which should hold only what both sets "
                     f"share, tells targets from backgrounds at AUC {background_auc:.2f} (s: {salient_auc:.2f}). Raise "
                     "salient_dim, or try a preset with a penalty on z (mm_cvae).")
    return lines
