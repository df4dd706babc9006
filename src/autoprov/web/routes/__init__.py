"""The admin UI's pages, one router per page family, all mounted under ``/ui``."""
