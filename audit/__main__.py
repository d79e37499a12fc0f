"""`python -m audit` and the `ost-audit` command: run the CLI, exit quickly."""

import gc
import sys


def main() -> None:
    try:
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
