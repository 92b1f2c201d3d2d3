"""``python -m zsa_sim`` does what the ``zsa-sim`` command does."""

from zsa_sim.cli import main

main()
