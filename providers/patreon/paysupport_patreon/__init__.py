"""Patreon provider for paysupport."""
