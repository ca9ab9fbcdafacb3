"""`--student` on grade and feedback: the chosen students, in the class's order, or an error
naming who is not there (never a silent run over nobody)."""
import pytest

from autograder.course import CourseError, only_requested


def test_no_request_means_everyone():
    assert only_requested(["b", "a"], None, str) == ["b", "a"]
    assert only_requested(["b", "a"], [], str) == ["b", "a"]


def test_the_requested_students_come_in_the_class_order():
    assert only_requested(["c", "a", "b"], ["b", "c"], str) == ["c", "b"]


def test_a_student_who_is_not_there_is_named():
    with pytest.raises(CourseError, match="no submission from x, z"):
        only_requested(["a"], ["z", "a", "x"], lambda names: f"no submission from {names}")
