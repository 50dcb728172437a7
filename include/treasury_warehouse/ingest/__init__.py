"""Ingest: from a publisher's file to a published source vintage.

The registry (``sources``) declares each source; ``fetch`` gets its file, ``landing``
keeps the bytes unchanged under their sha256, ``parsers`` turn them into a tidy table,
the gate (``quality`` with the ``suites``, then ``vintages`` against the last published
vintage) decides whether it may be published, ``quarantine`` holds back a vintage that
broke the build, and ``pipeline`` runs these steps as the ingest DAGs' tasks call them.
Modules here import only ``config``, ``errors`` and each other.
"""
