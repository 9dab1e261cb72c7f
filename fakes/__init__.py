"""Fake vendor APIs served over loopback HTTP for tests, demo and bench."""
