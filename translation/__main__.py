"""`python -m translation` (`make translations`): see translation/catalogs.py."""

import sys

from translation.catalogs import main

sys.exit(main())
