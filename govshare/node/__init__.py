"""The exchange node (前置交换系统) that runs at a department, next to its business databases.

A plain Python package: it never imports Django. It reads business tables with SQLAlchemy Core,
signs every request with the node's Ed25519 key (RFC 9421) and talks to the platform only over
HTTP. The `govshare-node` console command (`cli.py`) drives it.
"""
