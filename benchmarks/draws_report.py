"""The report of `draws.py`: per family, each row's mean and worst decile over the
draws, wins and losses against contrastive PCA and the plain contrastive VAE, and
how well the label-free warning predicts a failed draw."""

import numpy as np

ROW_NAMES = {
    "defaults": "`ContrastiveVAE(shape, s, z)` (defaults)",
    "plain": "plain contrastive VAE (`regularizers=[]`)",
    "abid_zou_2019": "preset `abid_zou_2019` (TC)",
    "mm_cvae": "preset `mm_cvae` (MMD)",
    "contrastive_vi": "preset `contrastive_vi` (Wasserstein)",
    "vae": "VAE, latent s + z",
    "cpca": "contrastive PCA, alpha picked on training labels",
    "cvi": "scvi-tools ContrastiveVI, its defaults (10-d s)",
    "cvi_small": "scvi-tools ContrastiveVI, 2-d s",
}
#: A draw fails when the defaults' salient silhouette is more than this below contrastive PCA's.
FAILURE_MARGIN = 0.1


def _worst_decile(values):
    """Mean of the lowest 10% of `values` (at least one)."""
    values = np.sort(values)
    return float(np.mean(values[: max(1, len(values) // 10)]))


def _versus(ours, theirs):
    """`wins / losses` of paired draws (ties within 0.01 count as neither)."""
    pairs = [(a, b) for a, b in zip(ours, theirs) if a is not None and b is not None]
    return f"{sum(a > b + 0.01 for a, b in pairs)} / {sum(a < b - 0.01 for a, b in pairs)}"


def markdown(results, families, rows, seeds, command, draws):
    """The report as markdown (see the module docstring)."""
    from tfvae import diagnostics

    value = lambda family, row, seed, key: results.get((family, row, seed), {}).get(key)
    lines = [f"# Separation on drawn settings ({'report' if draws == 'report' else 'development'} draws)", "",
             f"Made on 2 CPU cores by `{command}`: seeds {seeds[0]}-{seeds[-1]} of each family "
             f"({'fresh draws, never used to choose anything' if draws == 'report' else 'development draws'}). "
             "Python rows train 12 epochs of batch 64, an epoch being one pass over the larger training set or 100 "
             "batches, whichever is more; scores are on 500 unseen targets. Cells: mean (worst decile).", ""]
    for family in families:
        done = [s for s in seeds if (family, "defaults", s) in results]
        lines += [f"## {family} ({len(done)} draws)", "",
                  "| method | salient silhouette | k-means ARI | vs cPCA (sil. wins / losses) | vs plain | "
                  "background silhouette < 0.1 | s per step |", "|---|---:|---:|---|---|---:|---:|"]
        for row in rows:
            sil = [value(family, row, s, "salient_silhouette") for s in seeds]
            if all(v is None for v in sil):
                continue
            ari = [value(family, row, s, "salient_ari") for s in seeds]
            present = lambda values: [v for v in values if v is not None]
            cpca = [value(family, "cpca", s, "salient_silhouette") for s in seeds]
            plain = [value(family, "plain", s, "salient_silhouette") for s in seeds]
            leak = present([value(family, row, s, "background_silhouette") for s in seeds])
            step = present([value(family, row, s, "seconds_per_step") for s in seeds])
            cells = [f"{np.mean(present(sil)):.3f} ({_worst_decile(present(sil)):.3f})",
                     f"{np.mean(present(ari)):.3f} ({_worst_decile(present(ari)):.3f})",
                     _versus(sil, cpca) if row != "cpca" else "–", _versus(sil, plain) if row != "plain" else "–",
                     f"{np.mean(np.asarray(leak) < 0.1):.0%}" if leak else "–",
                     f"{np.mean(step) * 1000:.1f} ms" if step else "–"]
            lines.append(f"| {ROW_NAMES[row]} | " + " | ".join(cells) + " |")
        lines += [""] + warning_lines(results, family, seeds, diagnostics) + [""]
    return "\n".join(lines) + "\n"


def warning_lines(results, family, seeds, diagnostics):
    """How often the defaults' label-free warning fires on failed and on good draws."""
    fired, failed = [], []
    for s in seeds:
        ours, cpca = results.get((family, "defaults", s)), results.get((family, "cpca", s))
        if not ours or not cpca:
            continue
        fired.append(bool(diagnostics.separation_warnings(ours)))
        failed.append(ours["salient_silhouette"] < cpca["salient_silhouette"] - FAILURE_MARGIN)
    if not fired:
        return []
    fired, failed = np.asarray(fired), np.asarray(failed)
    hits = int(np.sum(fired & failed))
    return [f"Label-free warning of the defaults (`tfvae.diagnostics.separation_warnings`) against failure (salient "
            f"silhouette more than {FAILURE_MARGIN} below contrastive PCA's): {int(failed.sum())} failed draws, "
            f"warned on {hits} (recall {hits / max(1, failed.sum()):.0%}); {int(np.sum(fired & ~failed))} false alarms "
            f"on {int(np.sum(~failed))} good draws ({np.sum(fired & ~failed) / max(1, np.sum(~failed)):.0%})."]
