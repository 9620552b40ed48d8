"""Scheduled runs: schedules in the run store and the embedded scheduler of
``taskbook serve``.

An edge beside ``notebook``, ``export`` and ``widgets`` (it imports none of them):
``times`` computes fire times (croniter, dateutil, zoneinfo), ``options`` reads
the schedule options (and gives Prefect's ``flow.serve`` keywords), ``rows``
stores schedules and claimed slots, ``registry`` adds and lists them,
``scheduler`` claims and launches due slots, ``launcher`` runs each in its own
process, ``lock`` keeps one server per store, ``notify`` sends failure notices.
"""
