"""Old path of things, kept for one release: it warns and goes in 0.3.

Moved to :mod:`paysupport_flattr.catalog`, :mod:`paysupport_flattr.resources` and
:mod:`paysupport_flattr.thing_calls`.
"""

import warnings

from paysupport_flattr.catalog import SORTS, WRITABLE
from paysupport_flattr.resources import Thing, thing_id_of
from paysupport_flattr.thing_calls import ThingsService, parse_things, wire_fields

__all__ = [
    "SORTS",
    "WRITABLE",
    "Thing",
    "ThingsService",
    "parse_things",
    "thing_id_of",
    "wire_fields",
]

warnings.warn(
    "paysupport_flattr.things moved to paysupport_flattr.catalog, paysupport_flattr.resources "
    "and paysupport_flattr.thing_calls; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
