"""How good a foreground estimate can a nonlinear denoiser give on mnist_on_grass, with
and without the foreground's ground truth, and what does it do to the digit silhouette?

The all-ten salient silhouette of every method sits near 0, and the foreground
estimate holds it there (docs/separation_benchmark.md, "Linear references for the
separation"). Each row trains the same small U-Net to map a composite to a
foreground, and scores it on the test targets: the foreground correlation, and
the silhouette / ARI of k-means of the estimates' PCA-10 projection (PCA fitted on
the estimates of the training targets) against the digit labels.

- `wiener`: no U-Net; the linear Wiener filter of `separation.py`, fitted to these
  targets (one crop per digit), for reference.
- `supervised`: trained on true training digits (0.25 * digit) over random training
  background crops, with the true foreground as the answer. It needs the ground
  truth no unsupervised method has: a ceiling, not a competitor.
- `noisier2noise`: Moran et al. 2020, from targets and background crops only. The
  net maps z = x_t + alpha (x_b - mean crop) to x_t; for alpha = 1 the grass of x_t
  and of x_b are exchangeable given z, so E[f | z] = 2 E[x_t | z] - z - mean crop
  (the formula for other alphas assumes Gaussian noise). Test inputs get alpha
  times a test crop added, averaged over 8 crops.
- `student`: trained on the foregrounds a trained ContrastiveVAE (`--run`) decodes
  for the training targets, laid over random training background crops: the
  model's own digits, with real grass, teach a denoiser (no ground truth).

    python benchmarks/foreground_denoisers.py --rows wiener supervised noisier2noise student --run RUN_DIR
"""

import argparse
import os
import time

import numpy as np
from separation import flat, wiener_estimator  # benchmarks/, run as a script

from tfvae import metrics
from tfvae.cli import data as cli_data

BATCH = 64


def unet():
    """A two-level U-Net, 16-32-64 filters, from a composite to a foreground."""
    import keras

    conv = lambda n, stride=1: keras.layers.Conv2D(n, 3, strides=stride, padding="same", activation="relu")
    up = lambda n: keras.layers.Conv2DTranspose(n, 3, strides=2, padding="same", activation="relu")
    x = keras.Input((28, 28, 1))
    c1 = conv(16)(conv(16)(x))
    c2 = conv(32)(conv(32, 2)(c1))
    c3 = conv(64)(conv(64, 2)(c2))
    u2 = conv(32)(keras.layers.Concatenate()([up(32)(c3), c2]))
    u1 = conv(16)(keras.layers.Concatenate()([up(16)(u2), c1]))
    return keras.Model(x, keras.layers.Conv2D(1, 1)(u1))


def fit(make_batch, steps, seed):
    """Trains a U-Net on `make_batch(rng) -> (inputs, answers)` batches; returns it."""
    import keras
    import tensorflow as tf

    def batches():
        rng = np.random.default_rng(seed)
        while True:
            yield make_batch(rng)

    spec = tf.TensorSpec((BATCH, 28, 28, 1), tf.float32)
    data = tf.data.Dataset.from_generator(batches, output_signature=(spec, spec)).prefetch(2)
    net = unet()
    net.compile(keras.optimizers.Adam(1e-3), "mse", jit_compile=True)
    net.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return net


def laid_on_crops(foregrounds, crops):
    """Batches of random foregrounds over random crops, with the foreground as the answer."""
    def make(rng):
        f = foregrounds[rng.integers(0, len(foregrounds), BATCH)]
        return f + crops[rng.integers(0, len(crops), BATCH)], f
    return make


def supervised(train, test, args):
    net = fit(laid_on_crops(train.target["foreground"], train.background["x"]), args.steps, args.seed)
    return lambda x: net.predict(x, batch_size=256, verbose=0)


def noisier2noise(train, test, args):
    mean_crop = train.background["x"].mean(0)
    alpha = args.alpha

    def make(rng):
        i, j = rng.integers(0, len(train.target["x"]), BATCH), rng.integers(0, len(train.background["x"]), BATCH)
        x_t = train.target["x"][i]
        return x_t + alpha * (train.background["x"][j] - mean_crop), x_t

    net = fit(make, args.steps, args.seed)
    rng, crops = np.random.default_rng(args.seed + 1), test.background["x"]

    def estimate(x):
        total = 0.0
        for _ in range(8):
            z = x + alpha * (crops[rng.integers(0, len(crops), len(x))] - mean_crop)
            total = total + ((1 + alpha**2) * net.predict(z, batch_size=256, verbose=0) - z) / alpha**2 - mean_crop
        return total / 8

    return estimate


def student(train, test, args):
    import keras

    if not args.run:
        raise SystemExit("the student row needs --run, a ContrastiveVAE run folder trained on the same digits")
    teacher = keras.models.load_model(os.path.join(args.run, "model.keras"))
    foregrounds = teacher.separate(train.target["x"])["foreground"].astype("float32")
    net = fit(laid_on_crops(foregrounds, train.background["x"]), args.steps, args.seed)
    teacher_corr = metrics.correlation(teacher.separate(test.target["x"])["foreground"], test.target["foreground"])
    print(f"  teacher's own test foreground correlation: {teacher_corr:.3f}")
    return lambda x: net.predict(x, batch_size=256, verbose=0)


def wiener(train, test, args):
    foreground, ridge = wiener_estimator(train)
    print(f"  ridge {ridge}")
    return lambda x: foreground(x).reshape(x.shape)


ROWS = {"wiener": wiener, "supervised": supervised, "noisier2noise": noisier2noise, "student": student}


def score(f_train, f_test, test, seed):
    """Foreground correlation of the test estimates, and the silhouette / ARI of their
    PCA-10 projection (PCA fitted on the training estimates)."""
    from sklearn.decomposition import PCA

    embedded, labels = PCA(10, random_state=seed).fit(flat(f_train)).transform(flat(f_test)), test.target["label"]
    return {"foreground_correlation": metrics.correlation(f_test, test.target["foreground"]),
            "silhouette": metrics.silhouette(embedded, labels),
            "ari": metrics.kmeans_agreement(embedded, labels)["ari"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", nargs="+", choices=sorted(ROWS), default=["wiener", "supervised", "noisier2noise"])
    parser.add_argument("--digits", default="all", help="'all' or e.g. 0,1")
    parser.add_argument("--steps", type=int, default=3000, help="training steps of each U-Net (batch 64)")
    parser.add_argument("--alpha", type=float, default=1.0, help="noisier2noise's extra-grass scale")
    parser.add_argument("--run", default=None, help="the student's teacher: a ContrastiveVAE run folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import keras

    digits = None if args.digits == "all" else tuple(int(d) for d in args.digits.split(","))
    train, test = cli_data.load("mnist_on_grass", digits, args.seed, 1)
    truth_pca = score(train.target["foreground"], test.target["foreground"], test, args.seed)
    lines = ["| estimate | foreground corr. | PCA-10 silhouette | PCA-10 ARI | seconds |", "|---|---:|---:|---:|---:|",
             _line("true foregrounds (no estimate)", truth_pca, 0.0)]
    for name in args.rows:
        keras.utils.set_random_seed(args.seed)
        print(f"{name} ...", flush=True)
        start = time.time()
        estimate = ROWS[name](train, test, args)
        f_test = estimate(test.target["x"])  # first: noisier2noise draws its test crops in this order
        result = score(estimate(train.target["x"]), f_test, test, args.seed)
        lines.append(_line(name, result, time.time() - start))
        print(lines[-1], flush=True)
    print("\n".join(lines))


def _line(name, result, seconds):
    return (f"| {name} | {result['foreground_correlation']:.3f} | {result['silhouette']:.3f} | "
            f"{result['ari']:.3f} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
