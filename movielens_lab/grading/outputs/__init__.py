"""Stage 4, the outputs: the grading folder and every file in it, written and read back.

``folder`` says where each file of a grading folder is (grades.csv, students/<id>/, executed/,
record.json, run.json, the secret, work/, ...); ``grades`` is grades.csv's schema, both ways;
``cache`` is record.json, the record that lets grading resume; ``feedback`` is a student's page;
``runfacts`` is run.json; ``graded`` reads a graded class back for the report and the LMS exports.
"""
