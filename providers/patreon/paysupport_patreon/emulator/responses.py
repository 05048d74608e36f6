"""The emulator's HTTP answers: JSON bodies, HTML pages, redirect URLs with a query added.

The core's helpers (:mod:`paysupport.emulation.responses`), under the name every
route module (the API, OAuth and admin routes) imports; it imports nothing of
the emulator, so any of them can use it.
"""

from __future__ import annotations

from paysupport.emulation.responses import html_response, json_response, with_query

__all__ = ["html_response", "json_response", "with_query"]
