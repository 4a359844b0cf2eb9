"""``python -m domainlayer``: the same as the ``domainlayer`` command."""

import sys

from domainlayer.cli import main

sys.exit(main())
