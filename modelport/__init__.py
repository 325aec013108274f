"""Modelport: a self-hosted models-as-a-service platform."""

__version__ = "0.1.0"
