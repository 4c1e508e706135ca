"""`python -m kb.cli`, as the `kb` script."""

from kb.cli import main

main()
