"""scvi-tools' ContrastiveVI (Weinberger et al. 2023) as a benchmark peer, run with its own defaults.

This script runs in a virtualenv of its own, never in tfvae's: it imports only numpy,
anndata, scvi, torch and the standard library, and tfvae never depends on scvi-tools.
Make the venv once, outside the repository (about 2 GB with a CPU-only torch):

    python3 -m venv /work/scvi-venv && /work/scvi-venv/bin/pip install scvi-tools

Usage:

    /work/scvi-venv/bin/python benchmarks/contrastive_vi_peer.py --data draw.npz --out salient.npz \
        [--salient-dim N] [--seed S] [--max-epochs E] [--threads T]

The input npz holds raw counts (float or int): `train_target` (N, G), `train_background`
(M, G) and `test_target` (T, G). The train cells form one AnnData (counts in layer
"counts", X the same), set up with `ContrastiveVI.setup_anndata(adata, layer="counts")`;
the model is `ContrastiveVI(adata)` with every constructor default (10 salient, 10
background latents, 128 hidden units, 1 layer, dropout 0.1, observed library size, no
Wasserstein penalty) except `n_salient_latent=N` when --salient-dim is given, trained
with `train(background_indices, target_indices, max_epochs=E)`; without --max-epochs
scvi-tools picks `get_max_epochs_heuristic(N + M)`, i.e. `min(round(20000 / (N + M) * 400), 400)`
(400 for up to 20,000 cells). Its other training defaults stand too: batch 128 of each
kind, Adam at 1e-3, a 90/10 train/validation split of each kind, no early stopping.
The test targets form a second AnnData, set up the same way; `get_latent_representation`
transfers the trained model's registry onto it and returns posterior means.

The out npz holds `salient` (T, d) float32, `background` (T, d_z) float32 and `info`, a
JSON string with the versions, salient and background sizes, epochs trained and seconds.
Training runs on the CPU, quietly; one summary line is printed.
"""

import argparse
import importlib.metadata
import json
import logging
import os
import sys
import time
import warnings

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU only, before torch looks for devices

import numpy as np  # noqa: E402


def counts_adata(x):
    """An AnnData of a counts matrix, the counts in layer "counts" and in X.

    Args:
        x: array-like (n, G) of non-negative counts.

    Returns:
        `anndata.AnnData` with float32 X and layer "counts".
    """
    import anndata

    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D counts matrix, got shape {x.shape}.")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("counts must be finite and non-negative.")
    adata = anndata.AnnData(X=x.copy())
    adata.obs_names = [f"cell{i}" for i in range(x.shape[0])]
    adata.var_names = [f"gene{j}" for j in range(x.shape[1])]
    adata.layers["counts"] = x
    return adata


def run(train_target, train_background, test_target, salient_dim=None, seed=0, max_epochs=None):
    """Train ContrastiveVI with its defaults and embed the test targets.

    Args:
        train_target: (N, G) counts of the target training cells.
        train_background: (M, G) counts of the background training cells.
        test_target: (T, G) counts of the target cells to embed.
        salient_dim: int or None. `n_salient_latent`; None keeps the default.
        seed: int. `scvi.settings.seed`.
        max_epochs: int or None. None keeps scvi-tools' heuristic.

    Returns:
        `(salient, background, info)`: float32 (T, d) and (T, d_z) posterior means of the
        test targets, and a JSON-able dict.
    """
    import scvi
    import torch
    from scvi.external import ContrastiveVI
    from scvi.model._utils import get_max_epochs_heuristic

    train_target = np.asarray(train_target)
    train_background = np.asarray(train_background)
    test_target = np.asarray(test_target)
    genes = {train_target.shape[1], train_background.shape[1], test_target.shape[1]}
    if len(genes) != 1:
        raise ValueError(f"the three matrices must share their genes, got widths {sorted(genes)}.")

    scvi.settings.seed = int(seed)
    n_target = train_target.shape[0]
    adata = counts_adata(np.concatenate([train_target, train_background], axis=0))
    target_indices = np.arange(n_target)
    background_indices = np.arange(n_target, adata.n_obs)
    ContrastiveVI.setup_anndata(adata, layer="counts")

    model_kwargs = {} if salient_dim is None else {"n_salient_latent": int(salient_dim)}
    model = ContrastiveVI(adata, **model_kwargs)
    epochs = get_max_epochs_heuristic(adata.n_obs) if max_epochs is None else int(max_epochs)

    start = time.perf_counter()
    model.train(
        background_indices=background_indices.tolist(),
        target_indices=target_indices.tolist(),
        max_epochs=epochs,
        accelerator="cpu",
        devices=1,
        enable_progress_bar=False,
    )
    train_seconds = time.perf_counter() - start

    test = counts_adata(test_target)
    ContrastiveVI.setup_anndata(test, layer="counts")
    salient = model.get_latent_representation(adata=test, representation_kind="salient")
    background = model.get_latent_representation(adata=test, representation_kind="background")
    seconds = time.perf_counter() - start

    history = model.history.get("elbo_train") if model.history else None
    info = {
        "method": "scvi.external.ContrastiveVI",
        "versions": {
            **{
                name: importlib.metadata.version(name)
                for name in ("scvi-tools", "torch", "anndata", "numpy", "lightning")
            },
            "python": sys.version.split()[0],
        },
        "n_salient_latent": int(model.module.n_salient_latent),
        "n_background_latent": int(model.module.n_background_latent),
        "max_epochs": epochs,
        "max_epochs_default": max_epochs is None,
        "epochs_trained": int(len(history)) if history is not None else epochs,
        "seed": int(seed),
        "train_target": int(n_target),
        "train_background": int(adata.n_obs - n_target),
        "test_target": int(test.n_obs),
        "genes": int(adata.n_vars),
        "threads": int(torch.get_num_threads()),
        "train_seconds": round(train_seconds, 3),
        "seconds": round(seconds, 3),
    }
    return salient.astype(np.float32), background.astype(np.float32), info


def quiet():
    """Silence scvi-tools' and lightning's INFO logs and their chatty warnings."""
    import scvi

    scvi.settings.verbosity = logging.WARNING
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # Lightning asks for more dataloader workers and notes the tiny logging interval;
    # neither changes the result.
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*log_every_n_steps.*")
    warnings.filterwarnings("ignore", message=".*GPU available but not used.*")
    warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\)` is deprecated.*")


def main(argv=None):
    """Read the draw, train and embed, write the out npz and print one line.

    Args:
        argv: list of str or None. The command-line arguments; None reads `sys.argv`.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="npz with train_target, train_background, test_target")
    parser.add_argument("--out", required=True, help="npz to write salient, background and info to")
    parser.add_argument("--salient-dim", type=int, default=None, help="n_salient_latent (default: scvi-tools')")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=None, help="default: scvi-tools' heuristic")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args(argv)

    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    quiet()
    with np.load(args.data) as data:
        missing = {"train_target", "train_background", "test_target"} - set(data.files)
        if missing:
            parser.error(f"{args.data} lacks {sorted(missing)}.")
        arrays = [data[k] for k in ("train_target", "train_background", "test_target")]
    salient, background, info = run(
        *arrays, salient_dim=args.salient_dim, seed=args.seed, max_epochs=args.max_epochs
    )
    np.savez(args.out, salient=salient, background=background, info=np.array(json.dumps(info)))
    print(
        f"contrastive_vi_peer: scvi-tools {info['versions']['scvi-tools']}, "
        f"{info['train_target']}+{info['train_background']} train cells x {info['genes']} genes, "
        f"{info['epochs_trained']} epochs ({'default' if info['max_epochs_default'] else 'given'}), "
        f"salient {salient.shape}, background {background.shape}, {info['seconds']:.1f}s -> {args.out}"
    )


if __name__ == "__main__":
    main()
