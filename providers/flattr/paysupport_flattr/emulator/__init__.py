"""A local emulator of Flattr's REST API v2 and OAuth 2, for tests, the sandbox and the demo.

Point a client at the served root: the API is under ``/rest/v2``, OAuth under
``/oauth/authorize`` and ``/oauth/token``, the sandbox's JSON view under
``/_admin/state`` and ``/_admin/flattrs``.
"""

from .app import FlattrEmulator, create_emulator

__all__ = ["FlattrEmulator", "create_emulator"]
