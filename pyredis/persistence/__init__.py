"""Persistence: the RDB format (writer, loader, blobs) and the server's snapshots."""
