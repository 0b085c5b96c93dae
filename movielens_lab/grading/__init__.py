"""The autograder, as a pipeline; start reading at ``grade.grade`` (the ``grade`` command), or ``check.check``.

1. ``submissions/``: the class handed in, one notebook per student, rebuilt on the released one.
2. ``grade``: each student run by nbgrader in a ``worker`` process on a copy of the ``course``, in ``sandbox/``.
3. ``judge/``: each test judged as it runs, across the trust boundary, into ``outcomes`` (``review``: notes).
4. ``outputs/``: the grading folder: grades.csv, each student's record.json, feedback and results.json.
5. ``report/``: the class report from those files; ``lms/`` hands grades on, ``cluster/`` splits a class.
"""
