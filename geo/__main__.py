"""``python -m geo`` and the ``geo`` command: start reading the input, then run the CLI."""

import sys
from typing import NoReturn


def main() -> NoReturn:
    """Start reading a ``join``/``stats`` input file (:func:`geo.prefetch.early`), then run."""
    from geo import prefetch

    prefetch.early(sys.argv[1:])  # before typer and the rest load (~50 ms)
    from geo.cli import run

    run()


if __name__ == "__main__":
    main()
