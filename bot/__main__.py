"""``python -m bot``: the same as the ``buurtwacht`` command."""

import sys

from bot.ops.cli import main

sys.exit(main())
