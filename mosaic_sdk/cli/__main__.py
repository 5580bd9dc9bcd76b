"""``python -m mosaic_sdk.cli``: the same as the ``mosaic`` console script."""

import sys

from mosaic_sdk.cli import main

sys.exit(main())
