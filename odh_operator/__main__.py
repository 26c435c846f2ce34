"""``python -m odh_operator`` is the same as the ``odh-operator`` command."""

import sys

from odh_operator.cli import main

sys.exit(main())
