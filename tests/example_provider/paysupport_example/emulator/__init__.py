"""A local Example service over real HTTP: the API, its error bodies and an admin view.

``create_emulator(settings)`` is the ``paysupport.sandboxes`` entry point
``example``. Point a client's base URL at wherever the app is served; it needs
werkzeug (``pip install paysupport-example[sandbox]``), which no client module
imports.
"""

from .app import ExampleEmulator, create_emulator

__all__ = ["ExampleEmulator", "create_emulator"]
