"""What is read from a published build: the nightly report (``nightly``: charts and
sentences) and ``answers`` (the headline questions beside the published figures). Modules
here read the warehouse stage's published build and nothing later.
"""
