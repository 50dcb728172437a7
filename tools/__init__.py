"""Harnesses around the product, not part of it (nor of the Airflow image): the benchmark
(``make bench``), the mutation suite (``make mutations``), the deployment replay (``make
deploy-test``) and the ISO country seed writer. They may import the product; the product
never imports them.
"""
