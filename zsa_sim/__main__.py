"""``python -m zsa_sim`` does what the ``zsa-sim`` command does."""

import sys

try:
    from zsa_sim.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python imports the command line
    sys.stderr.write("Interrupted.\n")
    sys.exit(130)

main()
