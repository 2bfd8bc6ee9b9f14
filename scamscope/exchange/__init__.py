"""Sharing what scans found: exports (STIX 2.1, MISP, CSV), campaigns and report drafts.

All of them read scans through :mod:`.sources` (``scan --json`` output or the desk's database).
"""
