"""Runnable applications built on paysupport; each folder has its own README and tests."""
