"""Ipernity provider for paysupport."""
