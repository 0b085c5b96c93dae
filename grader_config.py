# The grading configuration of movielens-lab: a traitlets config file, like nbgrader_config.py.
# `python -m movielens_lab release|grade|check|gradescope` read it; nbgrader's own settings sit
# beside the lab's (LabGrader).
c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

c.LabGrader.course_id = "movielens-lab"
c.LabGrader.assignment = "movielens_lab"
c.CourseDirectory.course_id = c.LabGrader.course_id

# Training cells run for tens of seconds: nbgrader's 30 s default per cell is far too short.
c.LabGrader.cell_timeout = 300
c.LabGrader.notebook_timeout = 1800
c.LabGrader.memory_limit_mb = 4096
