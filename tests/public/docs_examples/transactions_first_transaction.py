# From Prefect 3's documentation: docs/v3/advanced/transactions.mdx
# (section "Write your first transaction (with the on_commit hook shown after it)"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
import os
from time import sleep

from prefect import task, flow
from prefect.transactions import transaction


@task
def write_file(contents: str):
    "Writes to a file."
    with open("side-effect.txt", "w") as f:
        f.write(contents)


@write_file.on_rollback
def del_file(transaction):
    "Deletes file."
    os.unlink("side-effect.txt")


@task
def quality_test():
    "Checks contents of file."
    with open("side-effect.txt", "r") as f:
        data = f.readlines()

    if len(data) < 2:
        raise ValueError("Not enough data!")


@flow
def pipeline(contents: str):
    with transaction():
        write_file(contents)
        sleep(0.1)  # changed for the test: the docs sleep 2 seconds
        quality_test()


@write_file.on_commit
def confirmation(transaction):
    print("committing a record now using the task's cache key!")


# added for the test: the docs say the file is gone after the failed run
import atexit  # added for the test
atexit.register(lambda: print("side-effect.txt exists:", os.path.exists("side-effect.txt")))  # added for the test

if __name__ == "__main__":
    pipeline(contents="hello world")
