#!/usr/bin/env bash
# Device check for #28: throughput of tfvae.VAE and ContrastiveVAE against the
# plain-Keras references under float32, mixed precision and XLA, and
# MirroredStrategy's scaling where there are several GPUs. A few minutes on one GPU.
# Run from the repository root on a machine with a GPU (after the README's set-up):
#     bash benchmarks/gpu.sh [extra gpu_speed.py flags, e.g. --rounds 3]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "nvidia-smi: not found"
TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH=.:benchmarks "$PYTHON" benchmarks/gpu_speed.py "$@"
