# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/write-and-run.mdx
# (section "Define a workflow: methods"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow


class MyClass:

    @flow
    def my_instance_method(self):
        return "Hello, from an instance method!"


    @flow
    @classmethod
    def my_class_method(cls):
        return "Hello, from a class method!"


    @flow
    @staticmethod
    def my_static_method():
        return "Hello, from a static method!"


MyClass().my_instance_method()
MyClass.my_class_method()
MyClass.my_static_method()

print(MyClass().my_instance_method())  # added for the test
print(MyClass.my_class_method())  # added for the test
print(MyClass.my_static_method())  # added for the test
