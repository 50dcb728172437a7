# The image every Airflow service in docker-compose.yaml runs: the official Airflow
# image plus this project's pinned dependencies.
FROM apache/airflow:3.3.2-python3.11

COPY requirements.txt constraints.txt /opt/project/
RUN pip install --no-cache-dir -r /opt/project/requirements.txt -c /opt/project/constraints.txt
