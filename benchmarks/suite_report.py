"""Scores of one suite run, the contrastive PCA reference, and the report's tables."""

import numpy as np

import suite_settings

ROW_NAMES = {
    "recommended": "`ContrastiveVAE(shape, s, z)` (defaults = recommended)",
    "abid_zou_2019": "preset `abid_zou_2019` (TC)",
    "mm_cvae": "preset `mm_cvae` (MMD)",
    "contrastive_vi": "preset `contrastive_vi` (Wasserstein)",
    "layered": "preset `layered` (layered decoder)",
    "vae": "VAE, latent s + z",
    "cpca": "contrastive PCA, alpha picked on training labels",
}
#: (title, metric key, "max" when larger is better else "min", note)
TABLES = (
    ("Salient silhouette by class (test split)", "salient_silhouette", "max", ""),
    ("k-means ARI of the salient means", "salient_ari", "max", ""),
    ("Background-latent silhouette by class (leakage: lower is better)", "background_silhouette", "min", ""),
    ("Decoded background MSE against the true background", "background_mse", "min",
     "`separate(x)[\"background\"]` against the crop under each test target; lower is better."),
    ("Mask IoU against the digit (layered decoder)", "mask_iou", "max",
     "`separate(x)[\"mask\"] > 0.5` against the digit's pixels above 0.5, mean IoU over test targets."),
    ("Foreground MSE against the true foreground layer (layered decoder)", "foreground_mse", "min",
     "`separate(x)[\"foreground\"]` (m * f) against the digit's layer: its alpha times its colour (1) when "
     "alpha-composited, the 0.25 x digit added to the grass when added."),
)
DIAGNOSTICS = (
    ("tc_accuracy", "post-hoc discriminator accuracy, joint vs permuted [s, z] (0.5: independent)"),
    ("latent_mmd", "MMD^2 between the background means of test backgrounds and test targets"),
    ("background_salient_w2", "mean W2^2(q(s|x_b), delta_0) of test backgrounds"),
    ("seconds", "training seconds"),
)


#: Values above which contrastive PCA works on the leading principal components.
MAX_CPCA_VALUES = 1000


def _flat(x, counts):
    x = x.reshape(len(x), -1).astype("float64")
    return np.log1p(x) if counts else x


def contrastive_pca(train, test, components, counts, seed, size):
    """cPCA (the `contrastive` package) of the test targets: fit on the training
    targets and backgrounds (`ContrastiveData`; log1p when `counts`), `components`
    components, alpha picked from 13 values in [0.1, 1000] by the training
    silhouette (it sees the labels). Inputs of more than 1,000 values are first
    projected on the 1,000 leading principal components of the training data, as
    the package does inside `fit` (whose `cpca_alpha` would then not take raw data)."""
    from contrastive import CPCA
    from sklearn.decomposition import PCA

    from tfvae import metrics

    train_target, test_target = train.target, test.target
    fg, bg = _flat(train_target["x"], counts), _flat(train.background["x"], counts)
    reduce = lambda x: x
    if fg.shape[1] > MAX_CPCA_VALUES:
        pca = PCA(MAX_CPCA_VALUES, random_state=seed).fit(np.concatenate([fg, bg]))
        reduce = pca.transform
    cpca = CPCA(n_components=components)
    cpca.fit(reduce(fg), reduce(bg))
    embed = lambda x, alpha: np.real(cpca.cpca_alpha(reduce(_flat(x, counts)), alpha))
    alpha = max(np.logspace(-1, 3, 13),
                key=lambda a: metrics.silhouette(embed(train_target["x"], a), train_target["label"], seed=seed))
    embedding, labels = embed(test_target["x"][:size], alpha), test_target["label"][:size]
    return {"salient_silhouette": metrics.silhouette(embedding, labels),
            "salient_ari": metrics.kmeans_agreement(embedding, labels)["ari"], "alpha": float(alpha)}


def score(model, data, size, seed):
    """Test metrics of a trained model (`tfvae.metrics.separation_report` for a
    ContrastiveVAE, plus the presets' diagnostics)."""
    import tfvae
    from tfvae import metrics

    target = {k: v[:size] for k, v in data.test.target.items()}
    x, labels = target["x"], target["label"]
    if isinstance(model, tfvae.VAE):
        means = model.encode(x).mean().numpy()
        return {"salient_silhouette": metrics.silhouette(means, labels),
                "salient_ari": metrics.kmeans_agreement(means, labels)["ari"]}
    out = metrics.separation_report(model, x, labels, target.get("background"), target.get("foreground"))
    if "background" in target:
        out["mean_crop_mse"] = metrics.mean_background_mse(data.train.background["x"], target["background"])
    q_s_b, q_z_b = model.encode(data.test.background["x"][:size])
    background_means = model.background_embedding(x)
    out["background_salient_w2"] = float(np.mean(tfvae.regularizers.squared_w2_to_origin(q_s_b)))
    out["latent_mmd"] = float(tfvae.regularizers.mmd(q_z_b.mean(), background_means))
    out["tc_accuracy"] = _dependence_accuracy(model.salient_embedding(x), background_means, seed)
    parts = model.separate(x)
    if "mask" in parts and "digit" in target:
        out["mask_iou"] = metrics.mask_iou(parts["mask"], target["digit"])
        out["foreground_mse"] = metrics.mse(parts["foreground"], target["foreground_layer"])
    return out


def _dependence_accuracy(s, z, seed):
    """Held-out accuracy of an MLP telling [s, z] from [permuted s, z] (0.5: s and z
    independent), trained on half the examples."""
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    joint = np.concatenate([s, z], 1)
    product = np.concatenate([s[rng.permutation(len(s))], z], 1)
    features = StandardScaler().fit_transform(np.concatenate([joint, product]))
    labels = np.repeat([1, 0], len(s))
    order = rng.permutation(len(labels))
    train, test = order[: len(order) // 2], order[len(order) // 2 :]
    classifier = MLPClassifier((64,), max_iter=500, random_state=seed).fit(features[train], labels[train])
    return float(classifier.score(features[test], labels[test]))


def _cell(values, better):
    if not values:
        return "–"
    worst = min(values) if better == "max" else max(values)
    return f"{np.mean(values):.3f} ({worst:.3f})"


def markdown(results, settings, rows, seeds, command, title="Separation suite"):
    """The report: settings, one table per metric (mean over seeds, worst seed in
    parentheses), the presets' diagnostics, and the goal's check."""
    get = lambda name, row, key: [results[(name, row, s)][key] for s in seeds
                                  if (name, row, s) in results and key in results[(name, row, s)]]
    lines = [f"# {title}", "",
             f"Made on 2 CPU cores by `{command}` (seeds {', '.join(map(str, seeds))}; each run trains its own "
             "model, Adam 1e-3, batch 64). Every ContrastiveVAE row is built with the setting's latent sizes and, "
             "for counts, `likelihood=\"negative_binomial\"`, nothing else; the presets are "
             "`ContrastiveVAE.from_preset(name, ...)`. Test targets are unseen digits over unseen texture "
             "crops (or unseen cells). Cells: mean over seeds, worst seed in parentheses.", "",
             "| setting | data | tuned on | s / z dims | steps |", "|---|---|---|---|---:|"]
    for name in settings:
        s = suite_settings.SETTINGS[name]
        lines.append(f"| {name} | {s.description} | {'yes' if s.tuned else 'no'} | {s.salient_dim} / "
                     f"{s.background_dim} | {s.steps} |")
    header = ["| method | " + " | ".join(settings) + " |", "|---|" + "---:|" * len(settings)]
    for title, key, better, note in TABLES:
        lines += ["", f"## {title}", ""] + ([note, ""] if note else []) + header
        for row in rows:
            cells = [_cell(get(name, row, key), better) for name in settings]
            if any(c != "–" for c in cells):
                lines.append(f"| {ROW_NAMES[row]} | " + " | ".join(cells) + " |")
        if key == "background_mse":
            lines.append("| mean training crop (reference) | " + " | ".join(
                _cell(get(name, "recommended", "mean_crop_mse"), "min") for name in settings) + " |")
    lines += ["", "## What each preset's penalty does (mean over settings and seeds)", "",
              "| method | " + " | ".join(label for _, label in DIAGNOSTICS) + " |", "|---|" + "---:|" * len(DIAGNOSTICS)]
    for row in rows:
        values = [[v for name in settings for v in get(name, row, key)] for key, _ in DIAGNOSTICS]
        if any(values[:-1]):
            lines.append(f"| {ROW_NAMES[row]} | " + " | ".join(f"{np.mean(v):.3f}" if v else "–" for v in values) + " |")
    if {"recommended", "cpca"} <= set(rows):
        lines += ["", "## The defaults against the goal", ""] + goal_lines(get, settings)
    return "\n".join(lines) + "\n"


def goal_lines(get, settings):
    """Per setting: the defaults' mean salient silhouette against cPCA's, their
    background-latent silhouette against 0.1, their background MSE against the mean crop."""
    out = ["| setting | silhouette: defaults vs cPCA | background silhouette < 0.1 | background MSE vs mean crop |",
           "|---|---|---|---|"]
    mean = lambda values: np.mean(values) if values else float("nan")
    for name in settings:
        ours, cpca = mean(get(name, "recommended", "salient_silhouette")), mean(get(name, "cpca", "salient_silhouette"))
        leak = mean(get(name, "recommended", "background_silhouette"))
        mse, crop = mean(get(name, "recommended", "background_mse")), mean(get(name, "recommended", "mean_crop_mse"))
        verdict = lambda ok: "met" if ok else "**not met**"
        mse_cell = "–" if np.isnan(mse) else f"{mse:.4f} vs {crop:.4f}: {verdict(mse < crop)}"
        out.append(f"| {name} | {ours:.3f} vs {cpca:.3f}: {verdict(ours >= cpca)} | {leak:.3f}: {verdict(leak < 0.1)} "
                   f"| {mse_cell} |")
    return out
