"""Stage 1, the submissions: what was handed in, and whose it is.

``intake`` reads the files of a folder or zip in bounded memory; ``collect`` tells whose each file
is (folder and LMS layouts) and keeps one per student; ``assignments`` tells which of the course's
assignments a notebook is; ``rebuild`` reads a notebook defensively and rebuilds it on the released
one; ``tampering`` flags code that reaches for the tests.
"""
