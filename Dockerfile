# The image every Airflow service in docker-compose.yaml runs: the official Airflow
# image plus this project's pinned dependencies, the Celery and Postgres ones included
# (the versions `make deploy-test` ran with, not whatever the image carries).
FROM apache/airflow:3.3.2-python3.11

COPY requirements.txt requirements-celery.txt constraints.txt /opt/project/
RUN pip install --no-cache-dir -r /opt/project/requirements-celery.txt -c /opt/project/constraints.txt
