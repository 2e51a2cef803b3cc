"""Installs tfvae (library), pipelines (tf.data input) and tuning (Keras Tuner)."""

from setuptools import find_packages, setup

setup(
    name="tfvae",
    version="0.2.0",
    description=(
        "Variational autoencoders in TensorFlow/Keras 3 with TFP distributions, "
        "including contrastive VAEs that separate foreground from background."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["tfvae", "tfvae.*", "pipelines", "pipelines.*", "tuning", "tuning.*"]),
    install_requires=[
        "tensorflow>=2.20,<2.22",
        "keras>=3.10,<4",
        "tensorflow-probability>=0.25,<0.26",
        # TFP 0.25 imports tf_keras at import time; we never build models with it.
        "tf-keras>=2.20,<2.22",
        "tensorflow-datasets>=4.9,<5",
        "keras-tuner>=1.4,<1.5",
        # Distributed tuning (chief/worker oracle over gRPC).
        "grpcio>=1.24",
        "tensorboard>=2.20,<2.22",
        "scikit-learn>=1.3",
        "scikit-image>=0.22",
        "mlxtend>=0.23",
        "matplotlib>=3.7",
        "numpy>=1.26",
        "pyyaml>=6",
    ],
    # pytest-xdist: the suite runs on two worker processes (pytest.ini).
    extras_require={"test": ["pytest>=7", "pytest-xdist>=3", "hypothesis>=6"]},
    entry_points={"console_scripts": ["tfvae=tfvae.cli.main:main"]},
)
