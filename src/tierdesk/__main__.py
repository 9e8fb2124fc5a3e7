"""Allow `python -m tierdesk`."""

from tierdesk.cli import main

main()
