"""Airflow DAG: ``okrkit pull`` every weekday morning (key results that measure themselves).

Copy this file into Airflow's ``dags/`` folder. It runs the command line of the machine
Airflow's worker runs on (a BashOperator), so okrkit must be installed there; set
``OKRKIT_HOME`` (the project folder, default ``/srv/okrkit``), and ``OKRKIT_DB`` /
``OKRKIT_CONNECTIONS`` in the worker's environment. The period is the quarter of the run's
logical date. Exit status 1 (a source failed, the others recorded) fails the task so that
it is retried and seen; okrkit pull is idempotent, so a retry records nothing twice.
Airflow is not a dependency of okrkit.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow import DAG
from airflow.operators.bash import BashOperator

OKRKIT_HOME = os.environ.get("OKRKIT_HOME", "/srv/okrkit")
PERIOD = "{{ logical_date.year }}-Q{{ (logical_date.month + 2) // 3 }}"
COMMAND = (f"cd {OKRKIT_HOME} && .venv/bin/okrkit pull --period {PERIOD} "
           "--as-of {{ ds }}")

with DAG(
    dag_id="okrkit_pull",
    description="Record the key results that measure themselves (okrkit pull)",
    schedule="15 6 * * 1-5",
    start_date=dt.datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=10)},
    tags=["okrkit"],
) as dag:
    pull = BashOperator(task_id="okrkit_pull", bash_command=COMMAND)
