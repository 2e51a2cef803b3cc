"""The `tfvae` command line: the one place that ties tfvae, pipelines and tuning together."""
