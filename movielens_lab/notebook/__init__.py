"""The lab's notebooks run whole, outside the grader: ``execute`` runs one with a real kernel, ``demo`` runs the
reference solutions on a dataset and shows their numbers.
"""
