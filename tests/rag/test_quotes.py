from rag.quotes import MAX_QUOTES, best_quote, quotes_for

RATES = (
    "Tier: 1; Grade: Staff; Lodging cap (USD): 200; Meals (USD): 60\n"
    "Tier: 1; Grade: Manager; Lodging cap (USD): 300; Meals (USD): 85\n"
    "Tier: 2; Grade: Manager; Lodging cap (USD): 220; Meals (USD): 65"
)


def test_quotes_are_bounded():
    body = " ".join(f"Rule {i} says item {i} costs {i} dollars." for i in range(1, 8))
    claims = [f"Item {i} costs {i} dollars." for i in (6, 2, 4, 7, 1)]
    quote, quotes = quotes_for(claims, body)
    assert len(quotes) == MAX_QUOTES == 3
    assert quotes == ("Rule 2 says item 2 costs 2 dollars.", "Rule 4 says item 4 costs 4 dollars.",
                      "Rule 6 says item 6 costs 6 dollars.")  # the first claims', in passage order
    assert quote.count(" … ") == 2


def test_best_quote():
    body = "The mileage rate is USD 0.62 per mile. Airport parking is paid up to USD 25 a day."
    assert best_quote("parking per day", body) == "Airport parking is paid up to USD 25 a day."


def test_a_table_is_quoted_by_whole_rows():
    # Split like prose, a row's fields are "sentences": the quote held "Tier: 1;" and
    # "Grade: Manager;" without the figure.
    assert best_quote("A manager's lodging cap in tier 1 is USD 300", RATES, is_table=True) == RATES.split("\n")[1]
    quote, quotes = quotes_for(["Tier 1 managers: lodging USD 300", "Tier 2 managers: lodging USD 220"], RATES, is_table=True)
    assert quotes == tuple(RATES.split("\n")[1:])
    assert quote == " … ".join(RATES.split("\n")[1:])  # rows are records: shown apart, not run on


def test_clauses_of_one_claim_about_a_table_are_matched_together():
    claims = ["Tier: 2;", "Grade: Manager;", "Lodging cap (USD): 220"]  # one sentence, split at its fields
    _, quotes = quotes_for(claims, RATES, is_table=True)
    assert quotes == (RATES.split("\n")[2],)
    _, prose = quotes_for(claims, RATES)  # without the table flag, fields are quoted one by one
    assert len(prose) > 1
