"""`python -m audit` and the `ost-audit` command: start reading early, run the CLI, exit quickly."""

import gc
import sys


def main() -> None:
    from audit.early import start_reading

    start_reading(sys.argv)  # before the imports below, which it overlaps
    from audit.cli import main as cli_main

    try:
        cli_main()
    finally:
        # The collector's passes over every object at shutdown (pandera and pydantic make
        # hundreds of thousands) cost a quarter of a second; the process frees them anyway.
        gc.freeze()


if __name__ == "__main__":
    main()
