"""The provisioning server: one resolver answering for files, three doors (HTTP, FTP, TFTP)."""
