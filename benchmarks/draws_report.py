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
                  "| method | draws | salient silhouette | k-means ARI | vs cPCA (sil. wins / losses) | vs plain | "
                  "background silhouette < 0.1 | s per step |", "|---|---:|---:|---:|---|---|---:|---:|"]
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
            cells = [str(len(present(sil))), f"{np.mean(present(sil)):.3f} ({_worst_decile(present(sil)):.3f})",
                     f"{np.mean(present(ari)):.3f} ({_worst_decile(present(ari)):.3f})",
                     _versus(sil, cpca) if row != "cpca" else "–", _versus(sil, plain) if row != "plain" else "–",
                     f"{np.mean(np.asarray(leak) < 0.1):.0%}" if leak else "–",
                     f"{np.mean(step) * 1000:.1f} ms" if step else "–"]
            lines.append(f"| {ROW_NAMES[row]} | " + " | ".join(cells) + " |")
        lines += [""] + warning_lines(results, family, seeds, diagnostics) + [""]
    if draws == "report":
        lines += ["## The defaults against the goal", ""] + goal_lines(results, families, seeds, diagnostics)
    return "\n".join(lines) + "\n"


def _mean(results, family, row, seeds, key):
    values = [results[(family, row, s)][key] for s in seeds
              if (family, row, s) in results and key in results[(family, row, s)]]
    return float(np.mean(values)) if values else float("nan")


def goal_lines(results, families, seeds, diagnostics):
    """One row per family: each goal of the defaults, met or not, with its figures."""
    verdict = lambda ok: "met" if ok else "**not met**"
    out = ["| family | silhouette / ARI vs cPCA | vs plain (mean; worst draw) | vs ContrastiveVI (ARI; 2-d silhouette) "
           "| background silhouette < 0.1 | warning recall / false alarms |", "|---|---|---|---|---|---|"]
    for family in families:
        m = lambda row, key: _mean(results, family, row, seeds, key)
        ours = (m("defaults", "salient_silhouette"), m("defaults", "salient_ari"))
        cpca = (m("cpca", "salient_silhouette"), m("cpca", "salient_ari"))
        plain = (m("plain", "salient_silhouette"), m("plain", "salient_ari"))
        gaps = [results[(family, "defaults", s)]["salient_silhouette"] - results[(family, "plain", s)]["salient_silhouette"]
                for s in seeds if (family, "defaults", s) in results and (family, "plain", s) in results]
        leak = [results[(family, "defaults", s)]["background_silhouette"] < 0.1 for s in seeds
                if (family, "defaults", s) in results]
        cells = [f"{ours[0]:.3f} / {ours[1]:.3f} vs {cpca[0]:.3f} / {cpca[1]:.3f}: "
                 f"{verdict(ours[0] >= cpca[0] and ours[1] >= cpca[1])}",
                 f"{ours[0]:.3f} / {ours[1]:.3f} vs {plain[0]:.3f} / {plain[1]:.3f}; worst {min(gaps, default=np.nan):+.3f}: "
                 f"{verdict(ours[0] >= plain[0] and ours[1] >= plain[1] and min(gaps, default=-1) >= -0.1)}"]
        if family == "counts":  # on the draws ContrastiveVI ran on
            paired = lambda peer, key: [(results[(family, "defaults", s)][key], results[(family, peer, s)][key])
                                        for s in seeds if (family, peer, s) in results and (family, "defaults", s) in results]
            ari, sil = paired("cvi", "salient_ari"), paired("cvi_small", "salient_silhouette")
            mean = lambda pairs, i: np.mean([p[i] for p in pairs]) if pairs else float("nan")
            cells.append(f"ARI {mean(ari, 0):.3f} vs {mean(ari, 1):.3f} ({len(ari)} draws); 2-d silhouette "
                         f"{mean(sil, 0):.3f} vs {mean(sil, 1):.3f} ({len(sil)} draws): "
                         f"{verdict(ari and sil and mean(ari, 0) >= mean(ari, 1) and mean(sil, 0) >= mean(sil, 1))}")
        else:
            cells.append("–")
        cells.append(f"{np.mean(leak):.0%}: {verdict(np.mean(leak) >= 0.95)}" if leak else "–")
        recall, false_alarms = warning_rates(results, family, seeds, diagnostics)
        if recall is None:  # no failed draw: only the false alarms can be judged
            cells.append(f"no failed draw / {false_alarms:.0%}: {verdict(false_alarms <= 0.2)}")
        else:
            cells.append(f"{recall:.0%} / {false_alarms:.0%}: {verdict(recall >= 0.8 and false_alarms <= 0.2)}")
        out.append(f"| {family} | " + " | ".join(cells) + " |")
    return out


def _warned_and_failed(results, family, seeds, diagnostics):
    """Per draw with the defaults and cPCA: whether the warning fired, whether it failed."""
    fired, failed = [], []
    for s in seeds:
        ours, cpca = results.get((family, "defaults", s)), results.get((family, "cpca", s))
        if not ours or not cpca:
            continue
        fired.append(bool(diagnostics.separation_warnings(ours)))
        failed.append(ours["salient_silhouette"] < cpca["salient_silhouette"] - FAILURE_MARGIN)
    return np.asarray(fired, bool), np.asarray(failed, bool)


def warning_rates(results, family, seeds, diagnostics):
    """`(recall on failed draws or None without one, false-alarm rate on good ones)`
    of the warning."""
    fired, failed = _warned_and_failed(results, family, seeds, diagnostics)
    recall = float((fired & failed).sum() / failed.sum()) if failed.any() else None
    return recall, float((fired & ~failed).sum() / max(1, (~failed).sum()))


def warning_lines(results, family, seeds, diagnostics):
    """How often the defaults' label-free warning fires on failed and on good draws."""
    fired, failed = _warned_and_failed(results, family, seeds, diagnostics)
    if not len(fired):
        return []
    hits = int(np.sum(fired & failed))
    recall = f"recall {hits / failed.sum():.0%}" if failed.any() else "no recall to measure"
    return [f"Label-free warning of the defaults (`tfvae.diagnostics.separation_warnings`) against failure (salient "
            f"silhouette more than {FAILURE_MARGIN} below contrastive PCA's): {int(failed.sum())} failed draws, "
            f"warned on {hits} ({recall}); {int(np.sum(fired & ~failed))} false alarms "
            f"on {int(np.sum(~failed))} good draws ({np.sum(fired & ~failed) / max(1, np.sum(~failed)):.0%})."]
