"""Single-cell-like count settings: strong shared cell types of unequal sizes, weak
target-only programs (up or down), varying library sizes, dispersion and sparsity.

For cell i of type k in program p (targets only; p = 0 is no program):

    log mu_ig = b_g + t_kg + e_pg
    x_ig ~ NB(mean l_i mu_ig, dispersion r_g)

with `b_g ~ N(log(mean_count), 1)`, a type raising its marker genes
(`type_markers` of them, drawn per type) by a drawn fold, a program moving its
`program_genes` genes up or down by a drawn fold, library sizes
`l_i ~ LogNormal(-s^2 / 2, s^2)` and per-gene dispersions around a drawn level.
Labels are the programs (0 for target cells without one, when there are such).
"""

import numpy as np

from pipelines.contrastive_data import ContrastiveData
from pipelines.families import DrawnSetting

TEST_EXAMPLES = 500


def _log_uniform(rng, low, high):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def draw(seed):
    """The count setting of `seed`; see the module docstring. Returns a `DrawnSetting`
    with `likelihood="negative_binomial"`."""
    rng = np.random.default_rng(seed)
    programs = int(rng.integers(1, 5))
    params = {
        "genes": int(_log_uniform(rng, 100, 2000)),
        "cell_types": int(rng.integers(2, 11)),
        "type_markers": [int(m) for m in rng.integers(10, 41, 10)],
        "type_fold": _log_uniform(rng, 3.0, 8.0),
        "programs": programs,
        "program_genes": [int(m) for m in rng.integers(5, 41, programs)],
        "program_fold": _log_uniform(rng, 1.5, 4.0),
        "program_down": [bool(d) for d in rng.uniform(size=programs) < 0.3],
        "unaffected_share": float(rng.uniform(0.3, 0.7) if programs == 1 else rng.uniform(0.0, 0.5)),
        "mean_count": _log_uniform(rng, 0.2, 5.0),
        "library_spread": float(rng.uniform(0.1, 0.8)),
        "dispersion": _log_uniform(rng, 1.0, 30.0),
        "targets": int(_log_uniform(rng, 500, 5000)),
        "background_ratio": float(rng.uniform(0.5, 2.0)),
        "data_seed": int(rng.integers(2**31)),
    }
    train, test = make(params)
    return DrawnSetting("counts", int(seed), params, train, test, "negative_binomial", 2, 10)


def make(params):
    """`(train, test)` `ContrastiveData` of a params dict as `draw` makes it: float32
    integer-valued counts, target `"label"` (program) and `"cell_type"`."""
    rng = np.random.default_rng(params["data_seed"])
    g, k = params["genes"], params["cell_types"]
    baseline = rng.normal(np.log(params["mean_count"]), 1.0, g)  # (G,)
    type_effect = np.zeros((k, g))  # (K, G)
    for t in range(k):
        markers = rng.choice(g, min(params["type_markers"][t], g), replace=False)
        type_effect[t, markers] = np.log(params["type_fold"])
    program_effect = np.zeros((params["programs"] + 1, g))  # (P + 1, G); row 0: no program
    for p in range(params["programs"]):
        genes = rng.choice(g, min(params["program_genes"][p], g), replace=False)
        program_effect[p + 1, genes] = np.log(params["program_fold"]) * (-1 if params["program_down"][p] else 1)
    type_share = rng.dirichlet(np.full(k, 2.0))  # unequal sizes
    program_share = np.concatenate([[params["unaffected_share"]],
                                    np.full(params["programs"], (1 - params["unaffected_share"]) / params["programs"])])
    dispersion = params["dispersion"] * rng.lognormal(0, 0.5, g)  # (G,)
    spread = params["library_spread"]

    def cells(n, target):  # -> (n, G) counts, programs (n,), types (n,)
        types = rng.choice(k, n, p=type_share)
        programs = rng.choice(len(program_share), n, p=program_share) if target else np.zeros(n, "int64")
        library = rng.lognormal(-(spread**2) / 2, spread, (n, 1))  # (n, 1)
        mean = library * np.exp(baseline + type_effect[types] + program_effect[programs])  # (n, G)
        counts = rng.poisson(rng.gamma(dispersion, mean / dispersion))
        return counts.astype("float32"), programs.astype("int64"), types.astype("int64")

    sets = []
    for split, n in (("train", params["targets"]), ("test", TEST_EXAMPLES)):
        x_t, programs, types = cells(n, True)
        m = max(2, int(round(n * params["background_ratio"]))) if split == "train" else TEST_EXAMPLES
        x_b, _, background_types = cells(m, False)
        labels = np.unique(programs, return_inverse=True)[1].astype("int64")  # 0..L-1 over the programs present
        sets.append(ContrastiveData({"x": x_t, "label": labels, "cell_type": types},
                                    {"x": x_b, "cell_type": background_types}))
    return tuple(sets)
