"""`python -m audit` and the `ost-audit` command: start reading early, run the CLI, exit quickly."""

import gc
import os
import sys


def main() -> None:
    # polars' in-memory engine: validation runs a hundred small queries per return (pandera checks each
    # rule apart), and the streaming engine's start-up cost 10 ms a return (70 -> 60 ms for 700 clients);
    # at 100,000 clients it is faster too (dose rules 120 -> 100 ms). Set before polars loads, and
    # inherited by `compare`'s worker processes; a user's own setting wins.
    os.environ.setdefault("POLARS_ENGINE_AFFINITY", "in-memory")
    try:
        from audit.early import start_reading

        start_reading(sys.argv)  # before the imports below, which it overlaps
        from audit.cli import main as cli_main
    except KeyboardInterrupt:  # Ctrl-C while starting: one line, no traceback of an import
        sys.stderr.write("ost-audit: interrupted.\n")
        sys.exit(130)
    try:
        cli_main()
    finally:
        # The collector's passes over every object at shutdown (pandera and pydantic make
        # hundreds of thousands) cost a quarter of a second; the process frees them anyway.
        gc.freeze()


if __name__ == "__main__":
    main()
