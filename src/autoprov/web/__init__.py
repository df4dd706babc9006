"""The admin web UI: server-rendered pages over the inventory's services, served by the API
process."""

from autoprov.web.app import mount_admin_ui

__all__ = ["mount_admin_ui"]
