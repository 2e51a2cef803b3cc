"""Setting families: a seed is one reproducible setting; the drawn signal is where
the parameters put it (target-only programs and subgroups, nothing in backgrounds)."""

import dataclasses
import json

import numpy as np
import pytest

from pipelines import families
from pipelines.families import counts, vectors


@pytest.mark.parametrize("family", ["vectors", "counts"])
def test_a_seed_is_one_setting_and_seeds_differ(family):
    first, again = families.draw(family, 3), families.draw(family, 3)
    assert first.params == again.params and json.loads(json.dumps(first.params)) == first.params
    np.testing.assert_array_equal(first.train.target["x"], again.train.target["x"])
    assert len({json.dumps(families.draw(family, s).params) for s in range(4)}) == 4
    for split in (first.train, first.test):
        x, labels = split.target["x"], split.target["label"]
        assert x.dtype == np.float32 and len(x) == len(labels) and split.background["x"].shape[1:] == x.shape[1:]
        assert set(np.unique(labels)) == set(range(labels.max() + 1)) and labels.max() >= 1
    assert len(first.test.target["x"]) == 500 and first.salient_dim == 2


def test_unknown_families_are_refused():
    with pytest.raises(ValueError, match="unknown family 'audio'; families: vectors, counts, images"):
        families.draw("audio", 0)


def _small(module, seed, **changes):
    return module.make({**dataclasses.asdict(families.draw(module.__name__.split(".")[-1], seed))["params"], **changes})


def test_vector_subgroups_lie_gap_apart_in_the_targets_only():
    # One shared cluster, rank-1 subgroups: class means differ by gap along one direction.
    train, _ = _small(vectors, 0, subgroups=2, salient_rank=1, gap=4.0, shared_clusters=1, targets=4000,
                      background_ratio=1.0)
    x, labels, background = train.target["x"], train.target["label"], train.background["x"]
    difference = x[labels == 1].mean(0) - x[labels == 0].mean(0)
    # E||difference||^2 = gap^2 + trace(cov) (1/n0 + 1/n1), the covariance being the background's.
    noise = np.trace(np.cov(background.T)) * (1 / np.sum(labels == 0) + 1 / np.sum(labels == 1))
    assert np.sum(difference**2) - noise == pytest.approx(16.0, abs=2.0)
    # The backgrounds, split at random, show no such direction.
    half = np.random.default_rng(0).uniform(size=len(background)) < 0.5
    null = background[half].mean(0) - background[~half].mean(0)
    assert np.sum(null**2) < 2 * np.trace(np.cov(background.T)) * (1 / half.sum() + 1 / (~half).sum())


def test_count_programs_move_their_genes_by_the_fold_in_targets_only():
    params = dict(programs=1, program_genes=[30], program_fold=4.0, program_down=[False], unaffected_share=0.5,
                  mean_count=5.0, targets=3000, background_ratio=1.0, library_spread=0.1, dispersion=30.0)
    train, _ = _small(counts, 1, **params)
    x, labels, background = train.target["x"], train.target["label"], train.background["x"]
    assert np.all(x >= 0) and np.all(x == np.round(x))
    ratio = (x[labels == 1].mean(0) + 0.5) / (x[labels == 0].mean(0) + 0.5)  # per gene
    top = np.sort(ratio)[::-1]
    assert np.all(top[:20] > 2.5) and np.median(ratio) == pytest.approx(1.0, abs=0.05)
    # Unaffected targets look like backgrounds: no gene moves by half the fold.
    assert np.max((x[labels == 0].mean(0) + 0.5) / (background.mean(0) + 0.5)) < 2.0
