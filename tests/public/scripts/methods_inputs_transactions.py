"""Tasks as methods, .map inputs, nested futures and transactions (Prefect 3 code)."""

import dataclasses

from prefect import flow, task, unmapped
from prefect.cache_policies import INPUTS
from prefect.transactions import transaction
from prefect.utilities.annotations import opaque, quote


class Scaler:
    def __init__(self, factor):
        self.factor = factor

    @task(cache_policy=INPUTS, task_run_name="scale-{self.factor}-{x}")
    def scale(self, x):
        return self.factor * x

    @task
    @classmethod
    def label(cls, x):
        return f"{cls.__name__}:{x}"

    @flow(flow_run_name="scaler-{self.factor}")
    def run(self, xs):
        return [self.scale(x) for x in xs], self.label(1)


print("method flow:", Scaler(2).run([1, 2]), Scaler(3).run([1]))
print("classmethod task:", Scaler.label(5))


@task
def ident(x):
    return x


@task
def numbers():
    return [1, 2, 3]


@flow
def listing():
    return [4, 5]


@flow
def maps():
    return {
        "tuple": ident.map((1, 2)).result(),
        "generator": ident.map(x * 10 for x in range(2)).result(),
        "future": ident.map(numbers.submit()).result(),
        "state": ident.map(numbers(return_state=True)).result(),
        "subflow state": ident.map(listing(return_state=True)).result(),
    }


print("map:", maps())
wrapped = unmapped([9])
print("unmapped[i] is x:", wrapped[0] is wrapped[3])

built = []


@dataclasses.dataclass
class Box:
    size: int
    items: list

    def __post_init__(self):
        built.append(self.size)


def kind(value):
    return "future" if hasattr(value, "task_run_id") else type(value).__name__


@task
def show(x):
    return repr(x) if not isinstance(x, list) else [kind(v) for v in x]


@flow
def nested():
    one = ident.submit(1)
    one.wait()
    built.clear()
    return {
        "list": show([one, [one]]),
        "dict": show({"k": one, "n": {"k": one}}),
        "set": show({one}),
        "dataclass": show(Box(size=2, items=[one])),
        "quote": show(quote([one])),
        "opaque": show(opaque(one)),
    }


print("nested:", nested())
print("__post_init__ calls:", built)

events = []


@task
def write(x):
    events.append(f"write {x}")
    return x


@write.on_rollback
def undo(txn):
    events.append(f"undo {txn.get('who', '?')}")


@write.on_commit
def done(txn):
    events.append("commit")


@task
def check(ok):
    if not ok:
        raise ValueError("bad data")
    return ok


@flow
def guarded(ok):
    with transaction() as txn:
        txn.set("who", "me")
        write(1)
        write(2)
        check(ok)
    events.append(f"after {txn.state.name}")


for ok in (True, False):
    events.clear()
    try:
        guarded(ok)
    except ValueError:
        events.append("raised")
    print(f"transaction ok={ok}:", events)
