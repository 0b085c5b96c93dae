"""Stages 2 to 4 on a cluster: grading a class in N shards that share one grading folder.

``plan`` checks, before any shard runs, that a shard can grade from here and records the class;
``shards`` splits the class and keeps each shard's manifest; ``merge`` writes the class's files
once every student has a grade.
"""
