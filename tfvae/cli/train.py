"""`tfvae train`: fit a VAE or ContrastiveVAE on offline data and write a run folder.

The folder holds `model.keras`, TensorBoard logs (`logs/`), `metrics.json`,
`separation.png`, `history.csv`, the flags (`args.json`) and, while a run is
unfinished, its epoch checkpoints (`backup/`, used by `--resume`).
"""

import argparse
import datetime
import json
import os
import sys

import numpy as np

from tfvae.cli import data as cli_data
from tfvae.cli import report, run_folder
from tfvae.cli.config import positive_int
from tfvae.distribute import is_chief, choose_strategy, fit_distributed


#: Flags whose default changed, with the value runs recorded without the flag used.
FORMER_DEFAULTS = {"decoder": "joint", "composites": 1}
#: Background examples `--residual-components` fits to, from a fresh training stream.
TEXTURE_EXAMPLES = 10000


def _units(text):
    """Comma-separated layer widths, e.g. `256,128`."""
    return tuple(int(u) for u in text.split(","))


def _names(text):
    """Comma-separated names, e.g. `background_decoder,background_encoder`."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def add_arguments(parser):
    """Declares the flags of `tfvae train`."""
    parser.add_argument("--model", choices=("cvae", "vae"), default="cvae", help="contrastive VAE or plain VAE")
    parser.add_argument("--dataset", choices=cli_data.DATASETS, default="mnist_on_grass")
    cli_data.add_digits_argument(parser)
    parser.add_argument("--composites", type=cli_data.parse_composites, default="fresh", metavar="N|fresh",
                        help="mnist_on_grass training targets: 'fresh' (the default) lays every digit over a new "
                             "grass crop each time it is drawn, streamed, so no digit-grass pair repeats; N: a "
                             "fixed set with each digit over N crops. The test split keeps one fixed crop per digit")
    parser.add_argument("--architecture", choices=("mlp", "conv"), default=None,
                        help="default: conv for image datasets, mlp for vector ones (synthetic)")
    parser.add_argument("--hidden-units", type=_units, default=None, metavar="UNITS,UNITS,...",
                        help="mlp widths, e.g. 256,128")
    parser.add_argument("--filters", type=_units, default=None, metavar="F,F,...",
                        help="conv filters of each stride-2 layer (the decoder mirrors them); default 32,64")
    parser.add_argument("--dense-units", type=int, default=None,
                        help="conv: width of the dense layer after the convolutions (default 128; 0 for none)")
    parser.add_argument("--linear-skip", type=_names, nargs="?", const=("all",), default=(), metavar="NET,NET,...",
                        help="add a linear map from a network's input to its output (a decoder then contains "
                             "PCA's linear decoder): 'all' (the flag alone) for every network, or for cvae a list "
                             "of salient_encoder, background_encoder, salient_decoder, background_decoder "
                             "(additive) or decoder (joint). On mnist_on_grass the background path then drew "
                             "the digits too (docs/separation_benchmark.md)")
    parser.add_argument("--background-basis", action="store_true",
                        help="cvae: add z V to the decoder's output, a linear background path whose basis V "
                             "learns from background examples only (on mnist_on_grass it lowered the background "
                             "MSE and the salient ARI; docs/separation_benchmark.md)")
    parser.add_argument("--background-basis-start", type=int, default=0, metavar="EPOCH",
                        help="with --background-basis, --background-encoder-basis or --likelihood normal_low_rank: "
                             "the linear background parts learn only from this epoch on, so that the salient space "
                             "forms first")
    parser.add_argument("--background-encoder-basis", action="store_true",
                        help="cvae: add x U to q(z|x)'s parameters, a linear background encoder that both groups "
                             "train (with --background-basis: a linear background path on both sides)")
    parser.add_argument("--likelihood", default=None,
                        choices=("bernoulli", "continuous_bernoulli", "normal", "normal_global", "normal_per_dimension",
                                 "normal_predicted", "normal_low_rank", "poisson", "negative_binomial"),
                        help="p(x|z); default normal_global: Normal with one learned scale; normal_per_dimension: "
                             "a learned scale per pixel; normal_predicted: the decoder predicts the scale of "
                             "every pixel of every example; normal_low_rank: one learned scale plus a learned "
                             "noise covariance of --likelihood-rank directions (cvae: learned from background "
                             "examples only, its posterior mean added to the background); normal: scale 1")
    parser.add_argument("--likelihood-rank", type=positive_int, default=None, metavar="K",
                        help="with --likelihood normal_low_rank: the rank of its noise covariance (default 16)")
    parser.add_argument("--posterior", choices=("diag", "full"), default="diag")
    parser.add_argument("--latent-dim", type=positive_int, default=8, help="VAE latent size")
    parser.add_argument("--salient-dim", type=positive_int, default=2)
    parser.add_argument("--background-dim", type=positive_int, default=8)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--kl-warmup-epochs", type=int, default=0,
                        help="raise the KL weight linearly from 0 to beta over this many epochs (0: none)")
    parser.add_argument("--decoder", choices=("additive", "joint"), default="additive",
                        help="cvae: p(x|s,z) as f_s(s) + f_z(z) (additive, the default: a foreground added to a "
                             "background) or one network on [s, z] (joint, as Abid & Zou)")
    parser.add_argument("--salient-components", type=positive_int, default=1,
                        help="cvae: 1 for the N(0, I) salient prior; K > 1 for a learned mixture of K Gaussians")
    parser.add_argument("--tc-weight", type=float, default=0.0)
    parser.add_argument("--mmd-weight", type=float, default=0.0)
    parser.add_argument("--wasserstein-weight", type=float, default=0.0)
    parser.add_argument("--invariance-weight", type=float, default=0.0,
                        help="cvae: weight of ||E[s|x_t] - E[s|x_t - b + x_b]||^2, b the target's decoded background: "
                             "salient means that ignore a swap of the target's background (additive composites)")
    parser.add_argument("--invariance-relative", action="store_true",
                        help="cvae: divide the invariance penalty by the spread of the targets' salient means, "
                             "so that shrinking the salient space does not lower it")
    parser.add_argument("--invariance-swap", choices=("target", "reconstruction"), default="target",
                        help="cvae: what the invariance swap lays on a background example: the target minus its "
                             "decoded background (target), or the decoded foreground alone (reconstruction), "
                             "without the target's own background texture")
    parser.add_argument("--invariance-swap-start", type=int, default=0, metavar="EPOCH",
                        help="with --invariance-swap reconstruction: swap the target itself until this epoch (the "
                             "decoded foreground is empty before the salient space forms)")
    parser.add_argument("--invariance-temperature", type=float, default=0.0, metavar="T",
                        help="cvae: > 0 gives the invariance penalty an InfoNCE form at temperature T, the batch's "
                             "other targets as negatives (0: the squared form)")
    parser.add_argument("--residual-components", type=int, default=0, metavar="K",
                        help="cvae: after training, fit a probabilistic PCA with K components to what the decoder "
                             "leaves out of background examples (fine texture), which `separate` adds to the "
                             "background; training and the embeddings do not use it (0: none)")
    parser.add_argument("--cluster-weight", type=float, default=0.0,
                        help="cvae with --salient-components K > 1: weight of H(C|S) - H(C), asking each target's "
                             "salient mean to lie confidently in one mixture component, the components used equally")
    parser.add_argument("--mixture-fit-epoch", type=int, default=None, metavar="EPOCH",
                        help="cvae with --salient-components K > 1: at the start of this (0-based) epoch, fit the "
                             "mixture prior to the training targets' salient means (a Gaussian mixture, as VaDE "
                             "starts from a pretrained autoencoder)")
    parser.add_argument("--epochs", type=positive_int, default=12)
    parser.add_argument("--epoch-size", type=positive_int, default=4000,
                        help="target/background pairs per epoch (the smaller set repeats)")
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the data (split, composition, pairing, shuffling), the weights and the model's noise")
    parser.add_argument("--out", default=None, help="run folder (default: runs/<timestamp>)")
    parser.add_argument("--strategy", choices=("auto", "none", "mirrored", "multiworker"), default="auto",
                        help="auto: MirroredStrategy with more than one GPU; multiworker: TF_CONFIG cluster")
    parser.add_argument("--summary-every", type=positive_int, default=1, metavar="EPOCHS",
                        help="TensorBoard images, latent histograms, cluster scores and projector every this many epochs "
                             "(and after the last)")
    parser.add_argument("--summary-examples", type=positive_int, default=512,
                        help="test targets summarized (histograms, per-dimension KL, projector)")
    parser.add_argument("--checkpoint-every", type=positive_int, default=None, metavar="STEPS",
                        help="multiworker: also checkpoint every this many steps (model.fit checkpoints per epoch)")
    parser.add_argument("--verbose", choices=("auto", "0", "1", "2"), default="auto",
                        help="Keras fit output: 1 a progress bar, 2 one line per epoch, 0 silent; "
                             "auto: a bar on a terminal, lines otherwise (logs)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the interrupted run in --out from its last epoch checkpoint, with its saved flags")


def _resolve_architecture(args, input_shape):
    """Sets `--architecture` when not given: conv for images `(H, W, C)`, mlp for vectors."""
    if args.architecture is None:
        args.architecture = "conv" if len(input_shape) == 3 else "mlp"


def build_model(args, input_shape):
    """The model the flags describe."""
    import tfvae
    from tfvae.layers import LowRankNormal, Normal

    _resolve_architecture(args, input_shape)

    likelihood = args.likelihood or "normal_global"
    rank = args.likelihood_rank
    if rank is not None and likelihood != "normal_low_rank":
        raise SystemExit("tfvae train: --likelihood-rank needs --likelihood normal_low_rank.")
    if likelihood == "normal_low_rank":  # a learned scale, starting at 0.1, and W W^T
        likelihood = LowRankNormal(input_shape, rank or 16, fixed_scale=0.1, seed=args.seed)
    elif likelihood.startswith("normal_"):  # a learned scale, starting at 0.1
        likelihood = Normal(input_shape, scale=likelihood[len("normal_"):], fixed_scale=0.1)
    common = dict(
        architecture=args.architecture,
        likelihood=likelihood,
        posterior=args.posterior,
        beta=args.beta,
        # The model's own ramp (in the graph, from the step count): the same under
        # model.fit and the multi-worker loop, and it survives a resume.
        kl_warmup_steps=args.kl_warmup_epochs * _steps_per_epoch(args),
        seed=args.seed,
        network_kwargs=_network_kwargs(args),
    )
    skipped = _skipped_networks(args)
    if args.model == "vae" and args.background_basis:
        raise SystemExit("tfvae train: --background-basis applies to --model cvae.")
    if args.model == "vae" and args.background_encoder_basis:
        raise SystemExit("tfvae train: --background-encoder-basis applies to --model cvae.")
    linear_paths = args.background_basis or args.background_encoder_basis or args.likelihood == "normal_low_rank"
    if args.background_basis_start and not linear_paths or args.background_basis_start < 0:
        raise SystemExit("tfvae train: --background-basis-start needs --background-basis, "
                         "--background-encoder-basis or --likelihood normal_low_rank, and an epoch >= 0.")
    if args.invariance_swap != "target" and not (args.model == "cvae" and args.invariance_weight > 0):
        raise SystemExit("tfvae train: --invariance-swap needs --model cvae and --invariance-weight > 0.")
    if args.invariance_swap_start and args.invariance_swap != "reconstruction" or args.invariance_swap_start < 0:
        raise SystemExit("tfvae train: --invariance-swap-start needs --invariance-swap reconstruction, and an epoch >= 0.")
    if args.invariance_temperature and not (args.model == "cvae" and args.invariance_weight > 0) or args.invariance_temperature < 0:
        raise SystemExit("tfvae train: --invariance-temperature needs --model cvae and --invariance-weight > 0, and T >= 0.")
    for flag, value in (("--cluster-weight", args.cluster_weight), ("--mixture-fit-epoch", args.mixture_fit_epoch is not None)):
        if value and (args.model == "vae" or args.salient_components < 2):
            raise SystemExit(f"tfvae train: {flag} needs --model cvae and --salient-components K > 1.")
    if args.mixture_fit_epoch is not None and not 0 <= args.mixture_fit_epoch < args.epochs:
        raise SystemExit(f"tfvae train: --mixture-fit-epoch must lie in [0, --epochs), got {args.mixture_fit_epoch}.")
    if args.mixture_fit_epoch is not None and args.strategy == "multiworker":
        raise SystemExit("tfvae train: --mixture-fit-epoch is a model.fit callback; the multiworker loop has none.")
    if args.residual_components and args.model == "vae" or args.residual_components < 0:
        raise SystemExit("tfvae train: --residual-components applies to --model cvae, and K >= 0.")
    if args.residual_components and args.likelihood == "normal_low_rank":
        raise SystemExit("tfvae train: --residual-components and --likelihood normal_low_rank both model the "
                         "residual texture; choose one.")
    if args.model == "vae":
        return tfvae.VAE(input_shape, args.latent_dim, **common)
    return tfvae.ContrastiveVAE(
        input_shape,
        args.salient_dim,
        args.background_dim,
        tc_weight=args.tc_weight,
        mmd_weight=args.mmd_weight,
        wasserstein_weight=args.wasserstein_weight,
        invariance_weight=args.invariance_weight,
        invariance_relative=args.invariance_relative,
        invariance_swap=args.invariance_swap,
        invariance_swap_start=args.invariance_swap_start * _steps_per_epoch(args),
        invariance_temperature=args.invariance_temperature,
        cluster_weight=args.cluster_weight,
        decoder=args.decoder,
        salient_components=args.salient_components,
        linear_skip=skipped,
        background_basis=args.background_basis,
        background_encoder_basis=args.background_encoder_basis,
        residual_components=args.residual_components,
        background_basis_start=args.background_basis_start * _steps_per_epoch(args),
        **common,
    )


def _skipped_networks(args):
    """The networks `--linear-skip` names (none for 'all', which `_network_kwargs` sets).

    Raises:
        SystemExit: a list with `--model vae`, or 'all' among names.
    """
    names = tuple(args.linear_skip)
    if names == ("all",):
        return ()
    if "all" in names:
        raise SystemExit("tfvae train: --linear-skip takes 'all' alone or a list of networks.")
    if names and args.model == "vae":
        raise SystemExit("tfvae train: --linear-skip NET,... names cvae networks; use --linear-skip alone for vae.")
    from tfvae.models.contrastive import NETWORKS

    known = NETWORKS[args.decoder]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"tfvae train: --linear-skip {','.join(unknown)}: with --decoder {args.decoder} choose from "
                         f"{', '.join(known)} (or 'all').")
    return names


def _network_kwargs(args):
    """The builders' options the flags set for the chosen architecture (None: defaults).

    Raises:
        SystemExit: a flag of the other architecture.
    """
    chosen = {"mlp": {"hidden_units": args.hidden_units},
              "conv": {"filters": args.filters, "dense_units": args.dense_units}}
    other = "conv" if args.architecture == "mlp" else "mlp"
    given = [name for name, value in chosen[other].items() if value is not None]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise SystemExit(f"tfvae train: {flags} applies to --architecture {other}, not {args.architecture}.")
    kwargs = {name: value for name, value in chosen[args.architecture].items() if value is not None}
    if tuple(args.linear_skip) == ("all",):
        kwargs["linear_skip"] = True
    return kwargs or None


def _steps_per_epoch(args):
    return -(-args.epoch_size // args.batch_size)


def _stream(args, split, training):
    """Unbatched examples in the model's format: targets `{"x"}` for the VAE, pairs
    `{"target", "background"}` for the cVAE (`--epoch-size` pairs per training epoch).
    With `--composites fresh` the training stream is infinite (`_fresh`)."""
    if training and _fresh(args):
        pairs = cli_data.fresh_pairs(args.dataset, args.digits, args.seed)
        return pairs.map(lambda p: {"x": p["target"]}) if args.model == "vae" else pairs
    if args.model == "vae":
        return {"x": split.target["x"]}
    return split.pairs(seed=args.seed, epoch_size=args.epoch_size if training else None)


def _fresh(args):
    """Whether training streams fresh composites (an infinite stream: fit needs steps_per_epoch)."""
    return args.composites == "fresh" and args.dataset == "mnist_on_grass"


def _datasets(args, train, test):
    """(train, validation) tf.data pipelines; the VAE's in-memory training set is
    shuffled and repeats (the pairs are shuffled by `contrastive_pairs`; a fresh
    stream is random and endless already)."""
    import pipelines

    in_memory_vae = args.model == "vae" and not _fresh(args)
    return tuple(
        pipelines.batch_pipeline(_stream(args, split, training), args.batch_size, shuffle=in_memory_vae and training,
                                 seed=args.seed, scale=False, repeat=in_memory_vae and training)
        for split, training in ((train, True), (test, False))
    )


def _callbacks(args, model, train, test, out):
    """TensorBoard summaries of held-out targets, epoch checkpoints, the CSV history,
    and the mixture prior's fit to the training targets' salient means (`--mixture-fit-epoch`)."""
    import keras

    from tfvae import callbacks

    examples = test.target["x"][: args.summary_examples]
    labels = test.target["label"][: args.summary_examples] if "label" in test.target else None
    chosen = callbacks.standard_callbacks(model, os.path.join(out, "logs"), examples, labels, args.summary_every)
    if args.mixture_fit_epoch is not None:
        chosen.append(callbacks.MixturePriorFit(train.target["x"], args.mixture_fit_epoch, seed=args.seed))
    return chosen + [
        # Epoch checkpoints with the optimizer state; the previous one is kept
        # while the next is written, so a crash mid-write loses nothing.
        keras.callbacks.BackupAndRestore(os.path.join(out, "backup"), double_checkpoint=True),
        keras.callbacks.CSVLogger(os.path.join(out, run_folder.HISTORY_FILE), append=True),
    ]


def texture_examples(args, train, count=TEXTURE_EXAMPLES):
    """Background examples for `fit_residual_texture`: `count` from the fresh
    training stream (`--composites fresh`), else the training split's background set."""
    if not _fresh(args):
        return train.background["x"]
    stream = cli_data.fresh_pairs(args.dataset, args.digits, args.seed).map(lambda p: p["background"])
    return np.concatenate(list(stream.take(count).batch(1000).as_numpy_iterator()))


def _fit(args, model, train, test, out):
    """`model.fit` with `_callbacks`."""
    train_data, test_data = _datasets(args, train, test)
    model.fit(
        train_data,
        validation_data=test_data,
        epochs=args.epochs,
        # Infinite streams (the VAE's repeats; fresh composites): an epoch is
        # `--epoch-size` examples, as many as the cVAE's fixed pairs.
        steps_per_epoch=_steps_per_epoch(args) if args.model == "vae" or _fresh(args) else None,
        callbacks=_callbacks(args, model, train, test, out),
        shuffle=False,  # the tf.data pipelines shuffle, seeded
        verbose=_verbosity(args),
    )


def _verbosity(args):
    """Keras `verbose` from `--verbose`."""
    import sys

    if args.verbose == "auto":
        return 1 if sys.stdout.isatty() else 2
    return int(args.verbose)


def _fit_multiworker(args, model, train, strategy, out):
    """Training across TF_CONFIG workers (Keras `fit` cannot): each worker streams its
    shard of the pairs (or targets) and runs the model's own train step, with
    checkpoints in `out/backup` (per epoch and every `--checkpoint-every` steps) that a
    restarted cluster resumes from."""
    import pipelines

    stream = _stream(args, train, training=True)

    def dataset_fn(context):
        return pipelines.batch_pipeline(stream, args.batch_size, shuffle=args.model == "vae" and not _fresh(args), seed=args.seed,
                                        scale=False, repeat=True, drop_remainder=True, input_context=context)

    steps = args.epoch_size // args.batch_size
    history = fit_distributed(model, dataset_fn, epochs=args.epochs, steps_per_epoch=steps, strategy=strategy,
                              checkpoint_dir=os.path.join(out, "backup"), checkpoint_every=args.checkpoint_every)
    if is_chief(strategy):
        _append_history(history, args.epochs, os.path.join(out, run_folder.HISTORY_FILE))


def _append_history(history, epochs, path):
    """Appends the last `len(history[...])` epochs to a CSVLogger-style file."""
    import csv

    names = sorted(history)
    ran = len(history[names[0]]) if names else 0
    new = not os.path.exists(path)
    with open(path, "a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["epoch", *names])
        for i in range(ran):
            writer.writerow([epochs - ran + i, *(history[name][i] for name in names)])


def _ignored_on_resume(args, saved):
    """The flags given with `--resume` (set away from their default) that differ from
    the run's saved ones, as `--name value`."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    defaults, saved = vars(parser.parse_args([])), vars(saved)
    return [
        f"--{name.replace('_', '-')} {value}"
        for name, value in vars(args).items()
        if name in defaults and name not in ("resume", "out") and value != defaults[name] and value != saved.get(name)
    ]


def _run_arguments(args, out):
    """Creates the run folder (`run` records the flags); with `--resume`, reloads them.

    Raises:
        SystemExit: resuming a folder without a run or with a finished one, or
            starting over an unfinished or finished run.
    """
    if args.resume:
        saved = run_folder.load_flags(out, "tfvae train --resume")
        if not os.path.exists(os.path.join(out, "backup")) and os.path.exists(os.path.join(out, run_folder.MODEL_FILE)):
            raise SystemExit(f"tfvae train --resume: the run in {out!r} has finished; there is nothing to resume.")
        ignored = _ignored_on_resume(args, saved)
        if ignored:
            print(f"warning: tfvae train --resume continues with the run's saved flags; ignored: {', '.join(ignored)}",
                  file=sys.stderr)
        # Flags added since the run was written keep their defaults, except where a
        # default changed: those take the value the run was trained with.
        return argparse.Namespace(**{**vars(args), **FORMER_DEFAULTS, **vars(saved), "resume": True, "out": out})
    if not is_chief():
        return args  # the chief checks and writes the run folder
    if os.path.exists(os.path.join(out, "backup")):
        raise SystemExit(f"tfvae train: {out!r} holds an unfinished run; pass --resume to continue it or choose another --out.")
    if os.path.exists(os.path.join(out, run_folder.MODEL_FILE)):
        raise SystemExit(f"tfvae train: {out!r} holds a finished run; choose another --out (or delete the folder).")
    os.makedirs(out, exist_ok=True)
    return args


def run(args):
    """Trains, evaluates on the test split and writes the run folder; returns the metrics."""
    import keras

    if args.model == "cvae" and args.dataset not in cli_data.CONTRASTIVE:
        raise SystemExit(f"tfvae train: --model cvae needs a dataset with a background set: one of {cli_data.CONTRASTIVE}.")
    out = args.out or os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    # The classes the run trains on, recorded as such (evaluate on another dataset keeps them).
    args.digits = cli_data.digits_of(args.dataset, args.digits)
    args = _run_arguments(args, out)
    keras.utils.set_random_seed(args.seed)
    train, test = cli_data.load(args.dataset, args.digits, args.seed, 1 if _fresh(args) else args.composites)
    shape = train.target["x"].shape[1:]
    _resolve_architecture(args, shape)
    if not args.resume and is_chief():
        run_folder.save_flags(args, out)
    strategy = choose_strategy(args.strategy)
    with strategy.scope():
        try:
            model = build_model(args, shape)
        except ValueError as error:  # the model's own checks of the flags against the data
            raise SystemExit(f"tfvae train: {error}") from None
        model.compile(keras.optimizers.Adam(args.learning_rate))
    if args.strategy == "multiworker":
        _fit_multiworker(args, model, train, strategy, out)
        if not is_chief(strategy):
            return None  # the chief writes the run folder
    else:
        _fit(args, model, train, test, out)
    if getattr(model, "residual_texture", None) is not None:
        noise = model.fit_residual_texture(texture_examples(args, train), seed=args.seed)
        print(f"residual texture: {args.residual_components} components, noise variance {noise:.3g} per value")
    model.save(os.path.join(out, run_folder.MODEL_FILE))
    metrics = {"model": args.model, "dataset": args.dataset, "epochs": args.epochs, **report.evaluate(model, train, test, args.seed)}
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    report.save_figure(model, test, os.path.join(out, "separation.png"))
    report.print_results(metrics, getattr(model, "salient_dim", None), getattr(model, "background_dim", None))
    print(f"run written to {out}")
    return metrics
