"""The separation suite: the default ContrastiveVAE, each published-method preset, a
plain VAE and contrastive PCA on every setting of `suite_settings.py`, over seeds.

Each (setting, row, seed) is trained and scored in its own process and keeps its
figures in `RUNS/<setting>/<row>/seed<k>/metrics.json`, so an interrupted suite
resumes where it stopped; the report is written from those files.

    pip install contrastive   # contrastive PCA (Abid et al. 2018), the reference
    python benchmarks/separation.py --runs runs/suite --jobs 2 --notes benchmarks/suite_notes.md --out docs/named_settings_benchmark.md
"""

import argparse
import json
import os
import shlex
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jobs  # noqa: E402
import suite_report  # noqa: E402
import suite_settings  # noqa: E402

PRESET_ROWS = ("recommended", "abid_zou_2019", "mm_cvae", "contrastive_vi", "layered")
ROWS = ("recommended", "cpca", *PRESET_ROWS[1:], "vae")
BATCH = 64
STEPS_PER_EPOCH = 100
TEST_EXAMPLES = 1000


def build(row, setting, shape, seed):
    """The compiled model of a row: `ContrastiveVAE(shape, s, z)` for "recommended"
    (with only the likelihood a user of the setting's data passes), a preset, or a
    VAE with the salient and background sizes together."""
    import keras

    import tfvae

    likelihood = {"likelihood": setting.likelihood} if setting.likelihood else {}
    if row == "recommended":
        model = tfvae.ContrastiveVAE(shape, setting.salient_dim, setting.background_dim, seed=seed, **likelihood)
    elif row == "vae":
        model = tfvae.VAE(shape, setting.salient_dim + setting.background_dim, architecture="auto", seed=seed,
                          likelihood=setting.likelihood or "normal_global")
    else:
        model = tfvae.ContrastiveVAE.from_preset(row, shape, setting.salient_dim, setting.background_dim, seed=seed,
                                                 **likelihood)
    model.compile(keras.optimizers.Adam(1e-3))
    return model


def train(name, row, seed, steps=None):
    """Trains one model row (not "cpca") on one setting and seed (`steps` overrides
    the setting's); returns `(model, data, training seconds)`."""
    import keras

    import pipelines

    setting = suite_settings.SETTINGS[name]
    data = suite_settings.load(name, seed)
    keras.utils.set_random_seed(seed)
    model = build(row, setting, data.input_shape, seed)
    stream = data.train_pairs.map(lambda p: p["target"]) if row == "vae" else data.train_pairs
    batches = pipelines.batch_pipeline(stream, BATCH, shuffle=False, scale=False)
    start = time.time()
    model.fit(batches, epochs=max(1, (steps or setting.steps) // STEPS_PER_EPOCH), steps_per_epoch=STEPS_PER_EPOCH, verbose=0)
    return model, data, time.time() - start


def train_and_score(name, row, seed, steps=None):
    """Trains one row on one setting and seed (`steps` overrides the setting's);
    returns its metrics."""
    if row == "cpca":
        data = suite_settings.load(name, seed)
        setting = suite_settings.SETTINGS[name]
        return suite_report.contrastive_pca(data.train, data.test, setting.salient_dim, setting.source == "counts", seed,
                                            TEST_EXAMPLES)
    model, data, seconds = train(name, row, seed, steps)
    return {**suite_report.score(model, data, TEST_EXAMPLES, seed), "seconds": seconds}


def run_path(runs, name, row, seed):
    return os.path.join(runs, name, row, f"seed{seed}", "metrics.json")


def run_one(runs, name, row, seed, steps=None):
    """`--one`: trains and scores one run in this process, writing its metrics."""
    metrics = train_and_score(name, row, seed, steps)
    jobs.write_metrics(run_path(runs, name, row, seed), metrics)
    print(f"{name} {row} seed {seed}: {json.dumps({k: round(v, 4) for k, v in metrics.items()})}", flush=True)


def run_missing(runs, todo, parallel, steps=None):
    """Runs every missing `(setting, row, seed)` in `parallel` processes."""
    command = lambda job: [__file__, "--runs", runs, "--one", *map(str, job), *(["--steps", str(steps)] if steps else [])]
    jobs.run_missing(todo, lambda job: run_path(runs, *job), command, os.path.join(runs, "logs"), parallel)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="+", default=list(suite_settings.SETTINGS),
                        choices=list(suite_settings.SETTINGS))
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=ROWS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--runs", default="runs/suite", help="folder of the runs' metrics (reused when present)")
    parser.add_argument("--jobs", type=int, default=1, help="runs trained at once, each in its own process")
    parser.add_argument("--out", default=None, help="write the report (markdown) here")
    parser.add_argument("--steps", type=int, default=None, help="override every setting's steps (smoke tests)")
    parser.add_argument("--notes", default=None, metavar="FILE.md", help="markdown added to the report verbatim")
    parser.add_argument("--title", default="Separation suite", help="the report's heading")
    parser.add_argument("--one", nargs=3, metavar=("SETTING", "ROW", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return run_one(args.runs, args.one[0], args.one[1], int(args.one[2]), args.steps)
    # Row by row, in --rows order: the defaults and contrastive PCA, which the goal compares, come first.
    todo = [(name, row, seed) for row in args.rows for name in args.settings for seed in args.seeds
            if not (row == "layered" and suite_settings.SETTINGS[name].source == "counts")]  # images only
    run_missing(args.runs, todo, args.jobs, args.steps)
    results = jobs.load_results(todo, lambda job: run_path(args.runs, *job))
    command = "python benchmarks/separation.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    report = suite_report.markdown(results, args.settings, args.rows, args.seeds, command, args.title)
    jobs.publish(report, [args.notes] if args.notes else [], args.out)


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
