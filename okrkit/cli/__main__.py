"""``python -m okrkit.cli``: the okrkit command line."""

from okrkit.cli import main

main()
