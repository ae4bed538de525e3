import sys

from extramile.cli import main

sys.exit(main())
