"""Desktop notifications for reminders: `notify-send` where there is one (Linux desktops).

Off with ``[reminders] desktop = false``. A missing or failing notifier is not an error:
the app shows the reminder itself either way.
"""

from __future__ import annotations

import shutil
import subprocess

NOTIFIER = "notify-send"
TIMEOUT = 5  # seconds; a hung notification daemon must not pile up threads


def desktop_notify(title: str, body: str) -> bool:
    """Hand one reminder to the desktop; True if the notifier ran and succeeded."""
    found = shutil.which(NOTIFIER)
    if found is None:
        return False
    clean = [_plain(title), _plain(body)]
    try:
        done = subprocess.run([found, "--app-name=planner", "--", *clean], check=False,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _plain(text: str) -> str:
    """No control characters, no markup the notification server might read."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text.replace("<", "‹").replace(">", "›").replace("&", "+")[:300]
