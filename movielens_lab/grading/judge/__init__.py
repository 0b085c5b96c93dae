"""Stage 3, the judge, on the trust boundary: points from code that never ran beside the student's.

``spec`` reads what the judge runs from the instructor's notebook; ``sealed`` runs a student's
notebook with each test sealed as it runs (the values it reads leave the kernel at that moment),
``session`` hands them to the ``judge`` process in the sandbox and answers its requests; ``exporter``
(in the kernel), ``plaindata``, ``wire`` and ``vocabulary`` are what crosses the boundary, both ways.
"""
