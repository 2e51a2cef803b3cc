"""Separation on drawn settings: choose on development draws, report on fresh ones.

Every setting is drawn from a seed by a family of `pipelines.families` (vectors,
counts, images). Development draws (seeds below 1,000) are the only ones anything
in tfvae's defaults may be chosen on; the report (`--draws report`) uses seeds
from 10,000 up, which nothing was chosen on. Each (family, row, seed) trains and
scores in its own process and keeps its figures in
`RUNS/<family>/<row>/seed<k>.json`, so an interrupted run resumes.

Budget of the Python rows: 12 epochs of batch 64, an epoch being one pass over the
larger training set or 100 batches, whichever is more (`tfvae train`'s default
length). ContrastiveVI (scvi-tools, in a venv of its own: see
`contrastive_vi_peer.py`) trains with its own defaults.

    pip install contrastive   # contrastive PCA (Abid et al. 2018), the reference
    python benchmarks/draws.py --families vectors counts --draws report --count 20 --runs runs/draws --jobs 2 \
        --out docs/separation_benchmark.md
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import draws_report  # noqa: E402
import jobs  # noqa: E402
import suite_report  # noqa: E402

MODEL_ROWS = ("defaults", "plain", "abid_zou_2019", "mm_cvae", "contrastive_vi", "vae")
PEER_ROWS = ("cvi", "cvi_small")  # scvi-tools ContrastiveVI: its defaults (10-d s), and at our salient size
ROWS = (*MODEL_ROWS, "cpca", *PEER_ROWS)
BATCH = 64
EPOCHS = 12  # tfvae train's default --epochs
TEST_EXAMPLES = 500
SCVI_PYTHON = os.environ.get("SCVI_PYTHON", "/work/scvi-venv/bin/python")


def seeds(draws, count):
    """The seeds of `count` development (from 0) or report (from 10,000) draws."""
    from pipelines.families import REPORT_SEEDS

    return list(range(count)) if draws == "dev" else list(range(REPORT_SEEDS, REPORT_SEEDS + count))


def build(row, setting):
    """The compiled model of a row: `ContrastiveVAE(shape, s, z)` with only the
    likelihood a user of the data passes ("defaults"), the same with
    `regularizers=[]` ("plain"), a preset, or a VAE of latent size s + z."""
    import keras

    import tfvae

    shape, s, z = setting.train.target["x"].shape[1:], setting.salient_dim, setting.background_dim
    likelihood = {"likelihood": setting.likelihood} if setting.likelihood else {}
    if row == "vae":
        model = tfvae.VAE(shape, s + z, architecture="auto", likelihood=setting.likelihood or "normal_global",
                          seed=setting.seed)
    elif row in ("defaults", "plain"):
        extra = {"regularizers": []} if row == "plain" else {}
        model = tfvae.ContrastiveVAE(shape, s, z, seed=setting.seed, **likelihood, **extra)
    else:
        model = tfvae.ContrastiveVAE.from_preset(row, shape, s, z, seed=setting.seed, **likelihood)
    model.compile(keras.optimizers.Adam(1e-3))
    return model


def steps_per_epoch(setting):
    """One pass over the larger training set, or `tfvae train`'s `MIN_EPOCH_STEPS`,
    whichever is more."""
    from tfvae.cli.train import MIN_EPOCH_STEPS

    largest = max(len(setting.train.target["x"]), len(setting.train.background["x"]))
    return max(-(-largest // BATCH), MIN_EPOCH_STEPS)


def train_model(row, setting):
    """Trains a model row; returns `(model, seconds, steps)`."""
    import keras

    import pipelines

    keras.utils.set_random_seed(setting.seed)
    model = build(row, setting)
    if row == "vae":
        stream = pipelines.from_arrays(setting.train.target["x"]).repeat().shuffle(10_000, seed=setting.seed)
    else:
        stream = setting.train.pairs(seed=setting.seed)
    batches = pipelines.batch_pipeline(stream, BATCH, shuffle=False, scale=False, repeat=True)
    steps = steps_per_epoch(setting)
    start = time.time()
    model.fit(batches, epochs=EPOCHS, steps_per_epoch=steps, verbose=0)
    return model, time.time() - start, EPOCHS * steps


def embedding_scores(salient, labels, background=None):
    """Silhouette and k-means ARI of a salient embedding (and the background
    latents' silhouette) against the test labels."""
    from tfvae import metrics

    out = {"salient_silhouette": metrics.silhouette(salient, labels),
           "salient_ari": metrics.kmeans_agreement(salient, labels)["ari"]}
    if background is not None:
        out["background_silhouette"] = metrics.silhouette(background, labels)
    return out


def score_model(model, setting):
    """Test scores of a trained model: label scores, and for a ContrastiveVAE the
    label-free diagnostics and, with a true background, its decoded error."""
    import tfvae
    from tfvae import diagnostics, metrics

    test = setting.test
    x, labels = test.target["x"][:TEST_EXAMPLES], test.target["label"][:TEST_EXAMPLES]
    if isinstance(model, tfvae.VAE):
        return embedding_scores(model.encode(x).mean().numpy(), labels)
    out = embedding_scores(model.salient_embedding(x), labels, model.background_embedding(x))
    out.update(diagnostics.separation_diagnostics(model, x, test.background["x"][:TEST_EXAMPLES], seed=setting.seed))
    if "background" in test.target:
        out["background_mse"] = metrics.mse(model.separate(x)["background"], test.target["background"][:TEST_EXAMPLES])
        out["mean_crop_mse"] = metrics.mean_background_mse(setting.train.background["x"],
                                                           test.target["background"][:TEST_EXAMPLES])
    return out


def run_peer(row, setting):
    """scvi-tools' ContrastiveVI on a count setting, in its own venv."""
    with tempfile.TemporaryDirectory() as folder:
        data, out = os.path.join(folder, "draw.npz"), os.path.join(folder, "salient.npz")
        np.savez(data, train_target=setting.train.target["x"], train_background=setting.train.background["x"],
                 test_target=setting.test.target["x"][:TEST_EXAMPLES])
        command = [SCVI_PYTHON, os.path.join(os.path.dirname(os.path.abspath(__file__)), "contrastive_vi_peer.py"),
                   "--data", data, "--out", out, "--seed", str(setting.seed)]
        command += ["--salient-dim", str(setting.salient_dim)] if row == "cvi_small" else []
        subprocess.run(command, check=True)
        result = np.load(out)
        info = json.loads(str(result["info"]))
        scores = embedding_scores(result["salient"], setting.test.target["label"][:TEST_EXAMPLES], result["background"])
        return {**scores, "seconds": info.get("seconds", float("nan")), "epochs": info.get("max_epochs")}


def train_and_score(family, row, seed, runs):
    """Draws the setting, trains and scores one row on it; returns its metrics. A row
    that builds the very model of the defaults (the plain row on counts, where the
    defaults add no regularizer) takes the defaults' metrics from `runs`."""
    from pipelines import families

    setting = families.draw(family, seed)
    if row == "cpca":
        return suite_report.contrastive_pca(setting.train, setting.test, setting.salient_dim, family == "counts",
                                            seed, TEST_EXAMPLES)
    if row in PEER_ROWS:
        return run_peer(row, setting)
    if row == "plain" and _same_model("plain", "defaults", setting):  # counts: the defaults add no regularizer
        done = run_path(runs, family, "defaults", seed)
        if os.path.exists(done):
            return {**json.load(open(done)), "same_model_as": "defaults"}
    model, seconds, steps = train_model(row, setting)
    return {**score_model(model, setting), "seconds_per_step": seconds / steps, "steps": steps}


def _same_model(row, other, setting):
    """Whether two rows build the same model (config and seed) on a setting."""
    def unnamed(value):  # layer names differ between two builds
        if isinstance(value, dict):
            return {k: unnamed(v) for k, v in value.items() if k != "name"}
        return [unnamed(v) for v in value] if isinstance(value, list) else value

    return unnamed(build(row, setting).get_config()) == unnamed(build(other, setting).get_config())


def run_path(runs, family, row, seed):
    return os.path.join(runs, family, row, f"seed{seed}.json")


def applies(family, row):
    """ContrastiveVI is a count model: its rows run on count draws only."""
    return row not in PEER_ROWS or family == "counts"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", nargs="+", default=["vectors", "counts"], choices=("vectors", "counts", "images"))
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=ROWS)
    parser.add_argument("--draws", choices=("dev", "report"), default="dev",
                        help="development draws (seeds 0 up: choose here) or report draws (seeds 10,000 up)")
    parser.add_argument("--count", type=int, default=20, help="draws per family")
    parser.add_argument("--runs", default="runs/draws", help="folder of the runs' metrics (reused when present)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once, each in its own process")
    parser.add_argument("--out", default=None, help="write the report (markdown) here")
    parser.add_argument("--notes", nargs="*", default=[], metavar="FILE.md", help="markdown added to the report verbatim")
    parser.add_argument("--no-train", action="store_true",
                        help="write the report from the runs present; train nothing (rows with missing draws say so)")
    parser.add_argument("--one", nargs=3, metavar=("FAMILY", "ROW", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        family, row, seed = args.one[0], args.one[1], int(args.one[2])
        metrics = train_and_score(family, row, seed, args.runs)
        jobs.write_metrics(run_path(args.runs, family, row, seed), metrics)
        print(f"{family} {row} seed {seed}: {json.dumps(metrics)}", flush=True)
        return
    todo = [(family, row, seed) for row in args.rows for family in args.families
            for seed in seeds(args.draws, args.count) if applies(family, row)]
    if not args.no_train:
        jobs.run_missing(todo, lambda job: run_path(args.runs, *job), lambda job: [__file__, "--runs", args.runs,
                                                                                     "--one", *map(str, job)],
                         os.path.join(args.runs, "logs"), args.jobs)
    results = jobs.load_results(todo, lambda job: run_path(args.runs, *job))
    command = "python benchmarks/draws.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    report = draws_report.markdown(results, args.families, args.rows, seeds(args.draws, args.count), command, args.draws)
    jobs.publish(report, args.notes, args.out)


if __name__ == "__main__":
    main()
