"""`tfvae evaluate`: test metrics and figures of a run folder or of a saved model.

Loads `RUN_DIR/model.keras` and the run's flags (`args.json`), evaluates on the
run's test split (the same metrics as the run's `metrics.json`; for a run on your
own files, the same files and split) and writes into `--out` (default `RUN_DIR`):
`evaluation.json`, the test targets' posterior means (`test_*.npy`),
`latent_scatter.png` (the salient embedding of a cVAE, the latent means of a VAE,
coloured by label when there are labels), `training_curves.png` (every term of
`history.csv`, training and validation) and, for image data, `separation.png`.

A model trained through the Python API and saved with `model.save("m.keras")` has
no run flags: `tfvae evaluate m.keras --dataset NAME` evaluates it on that
dataset's test split (`--digits` and `--seed` as `tfvae train` reads them, seed 0
by default), writing next to the file unless `--out` is given. A run folder's own
`model.keras` stands for its folder.
"""

import argparse
import json
import os

from tfvae.cli import data as cli_data
from tfvae.cli import report, run_data, run_folder

PROG = "tfvae evaluate"
STAGES = ("data", "model", "metrics", "figures")


def add_arguments(parser):
    """Declares the flags of `tfvae evaluate`."""
    parser.add_argument("run_dir", metavar="RUN_DIR",
                        help="a run folder written by tfvae train, or a .keras file saved by model.save "
                             "(then --dataset is needed)")
    parser.add_argument("--dataset", choices=cli_data.DATASETS, default=argparse.SUPPRESS,
                        help="evaluate on this dataset's test split instead of the run's (same input shape)")
    cli_data.add_digits_argument(parser, default=argparse.SUPPRESS, help="digit classes (default: the run's)")
    parser.add_argument("--seed", type=int, default=argparse.SUPPRESS,
                        help="seed of the Monte-Carlo ELBO (default: the run's --seed); "
                             "the data are always split and generated with the run's seed; for a saved model "
                             "file, also the seed of the data (default 0)")
    parser.add_argument("--out", default=None, help="folder for evaluation.json and the figures (default: RUN_DIR)")


def run(args):
    """Evaluates the run and writes its files; returns the contents of `evaluation.json`."""
    import keras

    folder = os.path.dirname(args.run_dir)
    if os.path.basename(args.run_dir) == run_folder.MODEL_FILE and os.path.exists(
        os.path.join(folder, run_folder.FLAGS_FILE)
    ):
        args.run_dir = folder  # a run's own model file: the run folder's flags apply
    saved_model = args.run_dir.endswith(".keras")
    flags, model = _saved_model(args) if saved_model else (run_folder.load_flags(args.run_dir, PROG), None)
    if hasattr(args, "dataset"):  # another built-in dataset than the run's data
        flags = argparse.Namespace(**{**vars(flags), "dataset": args.dataset,
                                      **{name: None for name in run_data.FILE_FLAGS}})
    if hasattr(args, "digits"):
        flags.digits = args.digits
    seed = getattr(args, "seed", flags.seed)
    out = args.out or ((os.path.dirname(args.run_dir) or ".") if saved_model else args.run_dir)
    if flags.model == "cvae" and not run_data.uses_files(flags) and flags.dataset not in cli_data.CONTRASTIVE:
        raise SystemExit(f"{PROG}: a cvae run needs a dataset with a background set: one of {cli_data.CONTRASTIVE}.")
    name = flags.target if run_data.uses_files(flags) else flags.dataset
    print(f"{PROG}: {args.run_dir} on the {name} test split; stages: {', '.join(STAGES)}")
    progress = keras.utils.Progbar(len(STAGES), unit_name="stage")
    flags.digits = cli_data.digits_of(flags.dataset, flags.digits)
    data = run_data.load(flags)
    progress.add(1)
    if model is None:
        model = run_folder.load_model(args.run_dir, PROG)
    shape = tuple(data.shape)
    if shape != tuple(model.data_shape):
        raise SystemExit(f"{PROG}: the model takes inputs of shape {tuple(model.data_shape)}; {name} has {shape}.")
    keras.utils.set_random_seed(seed)
    progress.add(1)
    results = {"run": args.run_dir, "model": flags.model, "dataset": name, "seed": seed,
               **report.evaluate(model, data.reference, data.test, seed, data.held_out_backgrounds())}
    progress.add(1)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "evaluation.json"), "w") as f:
        json.dump(results, f, indent=2)
    written = ["evaluation.json", *_figures(model, data.test, None if saved_model else args.run_dir, out)]
    progress.add(1)
    report.print_results(results, model)
    print(f"written to {out}: {', '.join(written)}")
    return results


def _saved_model(args):
    """`(flags, model)` for a model file saved by the Python API: the flags a run folder
    would hold (the model says whether it is a cvae), and the loaded model.

    Raises:
        SystemExit: no `--dataset`, no such file, or a file that holds no tfvae model.
    """
    path = args.run_dir
    if not hasattr(args, "dataset"):
        raise SystemExit(f"{PROG}: {path!r} is a saved model without run flags: "
                         f"say which test split to use with --dataset ({', '.join(cli_data.DATASETS)}).")
    if not os.path.isfile(path):
        raise SystemExit(f"{PROG}: no model file {path!r}.")
    model = run_folder.read_model(path, PROG)
    if not hasattr(model, "data_shape"):
        raise SystemExit(f"{PROG}: {path!r} holds a {type(model).__name__}, not a tfvae VAE or ContrastiveVAE.")
    flags = argparse.Namespace(model="cvae" if hasattr(model, "salient_embedding") else "vae", dataset=args.dataset,
                               digits=cli_data.DATASET_DEFAULT, seed=getattr(args, "seed", 0), composites=1,
                               validation=cli_data.VALIDATION)
    return flags, model


def _figures(model, test, run_dir, out):
    """Writes the embeddings and PNGs that apply to this run; returns their file names."""
    from tfvae import plots

    written = report.save_outputs(model, test, out)
    history = run_dir and os.path.join(run_dir, run_folder.HISTORY_FILE)  # a saved model file has none
    if history and os.path.exists(history):  # a multi-worker run logs no history
        plots.training_curves(report.read_history(history), os.path.join(out, "training_curves.png"))
        written.append("training_curves.png")
    return written
