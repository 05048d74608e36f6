"""Flattr provider for paysupport."""
