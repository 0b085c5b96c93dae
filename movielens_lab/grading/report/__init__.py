"""Stage 5, the class report: report.html and report.md, built from a grading folder's outputs alone.

``report`` assembles it: the run's facts, the points per section (``figures``), the class's common
mistakes (``hints``), the rows that need a person (``attention``) and the similar submissions
(``similar_section``, from ``similarity`` over the code ``studentcode`` reads), written out by
``document`` as HTML and Markdown.
"""
