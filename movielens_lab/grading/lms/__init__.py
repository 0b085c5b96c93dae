"""After stage 4, the learning-management systems: grades handed back to them.

``canvas`` reads a Canvas gradebook export (the roster) and writes canvas_import.csv;
``gradescope`` builds the Gradescope autograder zip and grades a submission inside it.
"""
