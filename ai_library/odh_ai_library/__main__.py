"""``python -m odh_ai_library``: the odh-ai-library command."""

import sys

from odh_ai_library.cli import main

sys.exit(main())
