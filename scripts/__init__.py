"""Developer scripts, run as modules (``python -m scripts.devstack``, ``-m scripts.benchmark``)."""
