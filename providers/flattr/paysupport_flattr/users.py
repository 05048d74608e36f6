"""Old path of users, kept for one release: it warns and goes in 0.3.

Moved to :mod:`paysupport_flattr.resources` and :mod:`paysupport_flattr.user_calls`.
"""

import warnings

from paysupport_flattr.resources import AuthenticatedUser, LazyUser
from paysupport_flattr.user_calls import UsersService

__all__ = ["AuthenticatedUser", "LazyUser", "UsersService"]

warnings.warn(
    "paysupport_flattr.users moved to paysupport_flattr.resources and "
    "paysupport_flattr.user_calls; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
