from rag.query_parts import question_parts


def test_two_questions_joined_by_and_are_split():
    q = ("How does choosing an in-network provider affect my out-of-pocket costs, "
         "and what are the exceptions to prior authorization for imaging services?")
    assert question_parts(q) == [
        "How does choosing an in-network provider affect my out-of-pocket costs",
        "what are the exceptions to prior authorization for imaging services?",
    ]


def test_a_part_too_short_to_stand_alone_is_not_searched_alone():
    assert question_parts("How many failed sign-in attempts lock my account, and for how long?") == []
    assert question_parts("What does the WHCRA require for mastectomy coverage, and what are the conditions for its application?") == []


def test_single_questions_and_and_inside_a_clause_are_left_alone():
    assert question_parts("What are the coverage limits for vision and dental care?") == []
    assert question_parts("金融学和金融工程专业在人才培养上有哪些共同点和差异？") == []


def test_chinese_second_question_after_a_question_mark():
    assert question_parts("客户合同属于哪个数据级别？能不能发到个人邮箱？") == ["客户合同属于哪个数据级别？", "能不能发到个人邮箱？"]
