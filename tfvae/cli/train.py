"""`tfvae train`: fit a model on a built-in offline dataset and write a run folder."""

import datetime
import json
import os

DATASETS = ("mnist_subset", "digits_8x8")


def add_arguments(parser):
    """Declares the flags of `tfvae train`."""
    parser.add_argument("--model", choices=("vae",), default="vae", help="model to train")
    parser.add_argument("--dataset", choices=DATASETS, default="mnist_subset", help="offline dataset")
    parser.add_argument("--architecture", choices=("mlp", "conv"), default="conv")
    parser.add_argument(
        "--likelihood",
        default="continuous_bernoulli",
        choices=("bernoulli", "continuous_bernoulli", "normal"),
        help="p(x|z) for images in [0, 1]",
    )
    parser.add_argument("--posterior", choices=("diag", "full"), default="diag")
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="run folder (default: runs/<timestamp>)")


def run(args):
    """Trains, evaluates on the test split and writes model.keras, logs/ and metrics.json."""
    import keras
    import numpy as np

    import pipelines
    import tfvae

    keras.utils.set_random_seed(args.seed)
    out = args.out or os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    load = getattr(pipelines, args.dataset)
    x_train, _ = load("train", seed=args.seed)
    x_test, _ = load("test", seed=args.seed)

    model = tfvae.VAE(
        x_train.shape[1:],
        args.latent_dim,
        architecture=args.architecture,
        likelihood=args.likelihood,
        posterior=args.posterior,
        beta=args.beta,
        seed=args.seed,
    )
    model.compile(keras.optimizers.Adam(args.learning_rate))
    initial = float(np.mean(model.elbo(x_test, seed=args.seed)))
    model.fit(
        x_train,
        validation_data=(x_test,),
        epochs=args.epochs,
        batch_size=args.batch_size,
        callbacks=[keras.callbacks.TensorBoard(os.path.join(out, "logs"))],
        verbose=2,
    )
    model.save(os.path.join(out, "model.keras"))
    metrics = {
        "dataset": args.dataset,
        "n_train": int(len(x_train)),
        "n_test": int(len(x_test)),
        "test_elbo_untrained": initial,
        "test_elbo": float(np.mean(model.elbo(x_test, seed=args.seed))),
        "test_log_likelihood_iwae100": float(np.mean(model.log_likelihood(x_test[:500], num_samples=100, seed=args.seed))),
    }
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps(metrics, indent=2))
    print(f"run written to {out}")
    return metrics
