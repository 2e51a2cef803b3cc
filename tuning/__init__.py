"""Keras Tuner searches over tfvae models (see the tuning issue)."""
