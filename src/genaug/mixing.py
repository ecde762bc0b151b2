"""Fusion of real and synthetic data for training."""
