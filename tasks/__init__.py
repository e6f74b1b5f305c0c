"""Prefect tasks: the units of work the flows in flows/ put together.

Each task is a thin wrapper over a plain function (engine/, notifications/) that takes the database
URL, so a worker on another machine can run it; the flows decide the order, batching and retries.
"""
