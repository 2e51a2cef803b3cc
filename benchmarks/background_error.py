"""Where the decoded background's error sits: on the foreground's strokes or clear of them.

Trains one row of the suite on one image setting and seed (as `separation.py`
does), then prints, over the test targets, the MSE against the true crop of the
mean training crop, the decoded background f(0, E[z|x_t]) alone, the same plus a
low-rank likelihood's texture (what `separate` returns) and that texture fitted
on the pixels clear of the digit only (the true mask: an oracle), on all pixels,
on the stroke (alpha > 0.5) and clear of it (alpha < 0.05).

    PYTHONPATH=.:benchmarks python benchmarks/background_error.py alpha_0123 0
"""

import argparse

import numpy as np

import separation


def texture_on(likelihood, residuals, weights):
    """E[W u | the residuals of the weighted pixels] of a `LowRankNormal`: probabilistic
    PCA's posterior mean with pixel i's precision times weights_i (1: seen, 0: missing)."""
    factor, variance = likelihood.factor.numpy(), float(likelihood.noise_variance())
    flat, w = residuals.reshape(len(residuals), -1), weights.reshape(len(residuals), -1)
    precision = variance * np.eye(factor.shape[1])[None] + np.einsum("dk,bd,dl->bkl", factor, w, factor)
    u = np.linalg.solve(precision, np.einsum("dk,bd->bk", factor, w * flat)[..., None])[..., 0]
    return (u @ factor.T).reshape(residuals.shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("setting")
    parser.add_argument("seed", type=int)
    parser.add_argument("--row", default="recommended")
    args = parser.parse_args()
    model, data, _ = separation.train(args.setting, args.row, args.seed)
    target = data.test.target
    size = separation.TEST_EXAMPLES
    x, truth, digit = target["x"][:size], target["background"][:size], target["digit"][:size]
    parts = model.separate(x)
    decoded = model._decode_background(model.encode(x)[1].mean()).mean().numpy()
    estimates = {"mean training crop": np.broadcast_to(data.train.background["x"].mean(0), truth.shape),
                 "decoded background alone": decoded}
    if hasattr(model.likelihood, "noise_mean"):
        texture = parts["background"] - decoded  # what separate() adds to both layers
        residuals = x - (parts["reconstruction"] - texture)
        estimates["+ texture (separate())"] = parts["background"]
        clear = (digit < 0.05).astype(np.float32)
        estimates["+ texture fitted clear of the digit (oracle)"] = decoded + texture_on(model.likelihood, residuals,
                                                                                          clear)
    stroke, clear = digit[..., 0] > 0.5, digit[..., 0] < 0.05
    print(f"{args.setting} seed {args.seed}: stroke {stroke.mean():.0%} of pixels, clear {clear.mean():.0%}")
    print("| background estimate | all | stroke | clear |\n|---|---:|---:|---:|")
    for label, estimate in estimates.items():
        error = np.mean(np.square(estimate - truth), -1)
        print(f"| {label} | {error.mean():.4f} | {error[stroke].mean():.4f} | {error[clear].mean():.4f} |")
    print(f"decoded minus true background on the stroke: {(decoded - truth)[..., 0][stroke].mean():+.3f}")


if __name__ == "__main__":
    main()
