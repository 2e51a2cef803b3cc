"""Label-free diagnostics: the AUC against its closed form, the salient gain against
the likelihoods it subtracts, and warnings that follow the scores."""

import keras
import numpy as np
import pytest
from helpers import tiny_contrastive, toy_contrastive_data
from scipy.stats import norm

from tfvae import diagnostics


def test_group_auc_matches_the_closed_form_of_two_gaussians():
    # N(d, 1) against N(0, 1): AUC = Phi(d / sqrt(2)); 2,000 each give a standard error near 0.009.
    rng = np.random.default_rng(0)
    for shift in (0.0, 1.0, 2.0):
        auc = diagnostics.group_auc(rng.normal(shift, 1, (2000, 1)), rng.normal(0, 1, (2000, 1)))
        assert auc == pytest.approx(norm.cdf(shift / np.sqrt(2)), abs=0.03)
    # A ring around a core: no linear score tells them apart, the quadratic features do.
    angle = rng.uniform(0, 2 * np.pi, 1000)
    ring = np.stack([3 * np.cos(angle), 3 * np.sin(angle)], 1) + rng.normal(0, 0.3, (1000, 2))
    assert diagnostics.group_auc(ring, rng.normal(0, 0.5, (1000, 2))) > 0.95
    with pytest.raises(ValueError, match="at least 2 targets"):
        diagnostics.group_auc(np.zeros((1, 2)), np.zeros((5, 2)))


def test_salient_gain_is_the_log_likelihood_that_s_adds():
    target, _, _ = toy_contrastive_data(16)
    model = tiny_contrastive()
    q_s, q_z = model.encode(target)
    with_s = model.decode(q_s.mean(), q_z.mean()).log_prob(target)
    without = model.decode(np.zeros_like(q_s.mean()), q_z.mean()).log_prob(target)
    np.testing.assert_allclose(diagnostics.latents_and_gain(model, target, batch_size=6)[2], with_s - without,
                               rtol=1e-5, atol=1e-3)


def test_training_moves_the_scores_and_an_untrained_model_is_warned_of():
    target, background, _ = toy_contrastive_data(512)
    model = tiny_contrastive()
    untrained = diagnostics.separation_diagnostics(model, target[-128:], background[-128:])
    model.compile(keras.optimizers.Adam(3e-3))
    model.fit({"target": target[:-128], "background": background[:-128]}, batch_size=32, epochs=15, verbose=0)
    trained = diagnostics.separation_diagnostics(model, target[-128:], background[-128:])
    # Targets carry a digit the backgrounds lack: s learns to tell them apart and to explain it.
    assert trained["salient_auc"] > 0.9 and trained["salient_gain"] > untrained["salient_gain"] + 1.0
    assert trained["salient_gain"] > trained["salient_gain_background"]
    assert not any("empty" in line for line in diagnostics.separation_warnings(trained))
    with pytest.warns(UserWarning, match="salient space looks empty"):
        tiny_contrastive(seed=1).diagnose(target[-128:], np.clip(target[-128:] + 0.0, 0, 1))


def test_warnings_follow_the_scores_with_or_without_a_prefix():
    fine = {"test_salient_auc": 0.9, "test_background_auc": 0.7, "test_salient_units": 2}
    assert diagnostics.separation_warnings(fine) == []
    [empty] = diagnostics.separation_warnings({**fine, "test_salient_auc": 0.51, "test_background_auc": 0.5})
    assert "empty" in empty and "0.51" in empty
    # Two chance-level AUCs are an empty salient space, not a leak.
    [chance] = diagnostics.separation_warnings({**fine, "test_salient_auc": 0.50, "test_background_auc": 0.52})
    assert "empty" in chance
    [collapsed] = diagnostics.separation_warnings({**fine, "test_salient_units": 0})
    assert "empty" in collapsed
    [leak] = diagnostics.separation_warnings({**fine, "test_background_auc": 0.97})
    assert "background latents" in leak and "0.97" in leak
    assert diagnostics.separation_warnings({**fine, "test_background_auc": 0.8}, leak_margin=0.05) == []
    assert diagnostics.separation_warnings({}) == []
