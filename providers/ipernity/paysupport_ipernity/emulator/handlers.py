"""Moved to :mod:`paysupport_ipernity.emulator.api` (``auth.*`` methods: :mod:`.auth`).

This path warns and goes in 0.3.
"""

import warnings

from paysupport_ipernity.emulator.api import *  # noqa: F403
from paysupport_ipernity.emulator.api import (
    HANDLERS,
    UPLOAD_ETA,
    Handler,
    album_create,
    album_docs_add,
    album_docs_get_list,
    album_get,
    album_get_list,
    doc_delete,
    doc_get,
    doc_get_list,
    doc_search,
    doc_set,
    doc_tags_add,
    faves_docs_add,
    faves_docs_get_list,
    handles,
    test_echo,
    test_hello,
    upload_check_tickets,
    upload_file,
    upload_replace,
    user_get,
)
from paysupport_ipernity.emulator.auth import *  # noqa: F403
from paysupport_ipernity.emulator.auth import (
    auth_check_token,
    auth_get_frob,
    auth_get_token,
)

__all__ = [
    "HANDLERS",
    "UPLOAD_ETA",
    "Handler",
    "album_create",
    "album_docs_add",
    "album_docs_get_list",
    "album_get",
    "album_get_list",
    "auth_check_token",
    "auth_get_frob",
    "auth_get_token",
    "doc_delete",
    "doc_get",
    "doc_get_list",
    "doc_search",
    "doc_set",
    "doc_tags_add",
    "faves_docs_add",
    "faves_docs_get_list",
    "handles",
    "test_echo",
    "test_hello",
    "upload_check_tickets",
    "upload_file",
    "upload_replace",
    "user_get",
]

warnings.warn(
    "paysupport_ipernity.emulator.handlers moved to paysupport_ipernity.emulator.api "
    "(auth.* methods: paysupport_ipernity.emulator.auth); the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
