"""For instructors: the chapters' student versions and their grading (the instructor guide).

``python -m teaching.student_version`` (`make student`) writes what students get,
``python -m teaching.grade`` (`make grade`) grades what they hand in without nbgrader, and
``nbgrader_config.py`` gives nbgrader's autograde the same cells.
"""
