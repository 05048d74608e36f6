"""Old path of vocabulary, kept for one release: it warns and goes in 0.3.

Moved to :mod:`paysupport_flattr.catalog` and :mod:`paysupport_flattr.resources`.
"""

import warnings

from paysupport_flattr.catalog import Choice, Vocabulary
from paysupport_flattr.resources import parse_choices

__all__ = ["Choice", "Vocabulary", "parse_choices"]

warnings.warn(
    "paysupport_flattr.vocabulary moved to paysupport_flattr.catalog and "
    "paysupport_flattr.resources; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
