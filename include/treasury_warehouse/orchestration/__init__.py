"""Airflow around the stages: task defaults, schedules, Assets and the writer pool
(``defaults``, which the DAG files read), failure notifications (``notify``), running DAGs
under ``dag.test()`` for ``make run`` (``runner``) and the local Airflow's services for
``make airflow`` (``services``). The stages never import this package.
"""
