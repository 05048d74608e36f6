"""Moved to :mod:`paysupport_ipernity.catalog` (``Catalogue`` is now ``Catalog``,
``load_catalogue`` is ``load_catalog``); this path warns and goes in 0.3."""

import warnings

from paysupport_ipernity.catalog import *  # noqa: F403
from paysupport_ipernity.catalog import Catalog, Method, Parameter, load_catalog

#: The old spellings.
Catalogue = Catalog
load_catalogue = load_catalog

__all__ = ["Catalog", "Catalogue", "Method", "Parameter", "load_catalog", "load_catalogue"]

warnings.warn(
    "paysupport_ipernity.catalogue moved to paysupport_ipernity.catalog "
    "(Catalogue is Catalog, load_catalogue is load_catalog); the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
