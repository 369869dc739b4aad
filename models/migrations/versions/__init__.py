"""The store's alembic revisions, one file per revision (`NNNN_slug.py`, revision id `NNNN_slug`)."""
