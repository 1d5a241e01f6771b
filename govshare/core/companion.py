"""A `govshare` command run beside the server's workers, ending with the server.

`govshare serve` starts the audit log's sealing process and the task worker through this
module (`python -m govshare.core.companion audit seal --follow`). A command started so is sent
SIGTERM, as a clean shutdown would send it, once the process that started it is gone, however
that went (a server killed outright runs no shutdown hook), so nothing is left running
orphaned. No Django import: the command itself sets Django up (`govshare.cli`).
"""

import os
import signal
import sys
import threading
import time

CHECK_SECONDS = 1


def _end_with_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str]) -> None:
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), name="parent",
                     daemon=True).start()
    from govshare.cli import main as govshare

    govshare(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
