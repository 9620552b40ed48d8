# From Prefect 3's documentation: docs/v3/advanced/transactions.mdx
# (section "Access data within transactions"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
import os
from time import sleep

from prefect import task, flow
from prefect.transactions import transaction


@task
def write_file(filename: str, contents: str):
    "Writes to a file."
    with open(filename, "w") as f:
        f.write(contents)


@write_file.on_rollback
def del_file(txn):
    "Deletes file."
    os.unlink(txn.get("filename"))


@task
def quality_test(filename):
    "Checks contents of file."
    with open(filename, "r") as f:
        data = f.readlines()

    if len(data) < 2:
        raise ValueError(f"Not enough data!")


@flow
def pipeline(filename: str, contents: str):
    with transaction() as txn:
        txn.set("filename", filename)
        write_file(filename, contents)
        sleep(0.1)  # changed for the test: the docs sleep 2 seconds
        quality_test(filename)


# added for the test: the rollback hook deletes the file
import atexit  # added for the test
atexit.register(lambda: print("side-effect.txt exists:", os.path.exists("side-effect.txt")))  # added for the test

if __name__ == "__main__":
    pipeline(
        filename="side-effect.txt",
        contents="hello world",
    )
