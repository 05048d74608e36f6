"""``python -m paysupport_ipernity``: see :mod:`paysupport_ipernity.shell`."""

import sys

from paysupport_ipernity.shell import main

sys.exit(main())
