"""F14: a person's display name is defined once, User.display_name (Chinese order, else the username)."""

from schools.models import User


def test_a_persons_name_reads_family_name_first_else_the_username(db):
    named = User(username="t_wang", last_name="王", first_name="老师")
    unnamed = User(username="t_nobody")
    assert (named.display_name, unnamed.display_name) == ("王老师", "t_nobody")
    assert str(named) == named.display_name
