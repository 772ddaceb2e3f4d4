from tillit.knowledge.terms import lexical_terms, query_words, select_query_terms, word_grams


def test_documents_are_indexed_with_every_4gram_of_every_content_word() -> None:
    assert word_grams("altan") == ["_alt", "alta", "ltan", "tan_"]
    assert word_grams("ö") == ["_ö_"]
    assert lexical_terms("Altan och altan") == word_grams("altan") * 2


def test_query_words_are_distinct_content_words_as_distinct_grams() -> None:
    assert query_words("När töms soporna, när?") == [word_grams("töms"), word_grams("soporna")]
    assert query_words("och det att") == []
    assert len(query_words("ord " * 10 + " ".join(f"w{i}" for i in range(500)))) == 64


def test_each_word_keeps_its_rarest_grams_round_robin() -> None:
    frequency = {"_bo": 50, "bov": 1, "ove": 9, "ver": 40, "_ka": 30, "kat": 2, "att": 80}.get
    words = [["_bo", "bov", "ove", "ver"], ["_ka", "kat", "att"]]
    assert select_query_terms(words, frequency, per_word=2, limit=12) == [
        "bov",
        "kat",
        "ove",
        "_ka",
    ]
    assert select_query_terms(words, frequency, per_word=3, limit=3) == ["bov", "kat", "ove"]


def test_grams_absent_from_the_collection_are_left_out() -> None:
    frequency = {"_bo": 5}.get
    assert select_query_terms([["_bo", "xyz"], ["qqq"]], frequency) == ["_bo"]
