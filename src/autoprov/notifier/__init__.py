"""The check-sync notifier: tells a phone to fetch its configuration again (DESIGN.md step 6).

``CheckSyncNotifier(settings, engine)`` with ``resync(mac)`` (returns at once, any thread),
``await start()`` and ``await stop()``. The outcome of each re-sync is written to the phone's
``sync_status``, ``sync_detail`` and ``sync_at``.
"""

from autoprov.notifier.service import CheckSyncNotifier
from autoprov.notifier.status import SyncStatus

__all__ = ["CheckSyncNotifier", "SyncStatus"]
