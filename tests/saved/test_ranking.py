"""Ranking: plain word similarity to the customer's latest message, then usage."""

from __future__ import annotations

from postroom.saved.ranking import Candidate, rank, scores

REFUND = Candidate(1, "Refund\nYour refund for the invoice is on its way.", 0)
PASSWORD = Candidate(2, "Password reset\nUse the reset link to choose a new password.", 5)
SHIPPING = Candidate(3, "Shipping\nYour parcel ships within two days.", 9)


def test_the_most_similar_comes_first_whatever_the_usage():
    assert rank("I forgot my password, the reset link fails", [REFUND, PASSWORD, SHIPPING]) == [
        2,
        3,
        1,
    ]
    assert rank("Where is the refund for my invoice?", [REFUND, PASSWORD, SHIPPING]) == [1, 3, 2]


def test_with_nothing_in_common_usage_decides():
    assert rank("Bonjour", [REFUND, PASSWORD, SHIPPING]) == [3, 2, 1]


def test_scores_are_cosines():
    found = scores("refund invoice", [REFUND, SHIPPING])
    assert found[3] == 0.0
    assert 0.4 < found[1] < 1.0


def test_variables_do_not_count_as_words():
    a = Candidate(1, "Hello {{ contact.first_name }}", 0)
    assert scores("contact first name", [a]) == {1: 0.0}
