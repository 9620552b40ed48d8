# From Prefect 3's documentation: docs/v3/concepts/task-runners.mdx
# (section "Use isolated processes to run tasks in parallel"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow, task
from prefect.futures import wait
from prefect.task_runners import ProcessPoolTaskRunner
import time

@task
def stop_at_floor(floor):
    print(f"elevator moving to floor {floor}")
    time.sleep(floor / 100)  # changed for the test: the docs sleep `floor` seconds
    print(f"elevator stops on floor {floor}")

@flow(task_runner=ProcessPoolTaskRunner(max_workers=3))
def elevator():
    floors = []

    for floor in range(10, 0, -1):
        floors.append(stop_at_floor.submit(floor))

    wait(floors) # wait for the sequence of futures to complete


if __name__ == "__main__":  # added for the test (a process pool re-imports __main__)
    elevator()  # added for the test
