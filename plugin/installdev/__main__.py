import sys

from installdev.cli import main

sys.exit(main())
