"""Classes of prose sentence (issue 8), each with invented sentences and hand-written figures.
No sentence here is taken from a real report."""
import pytest

from pipeline.extract.keys import assign_keys, key_rules, qualify_parts
from pipeline.extract.text import extract_text_figures, figure_scope
from pipeline.extract.zeros import implicit_zeros


def _figures(sentence: str, year: int | None = None):
    figs = extract_text_figures([(0, sentence)], year)
    qualify_parts(figs)
    assign_keys(figs)
    return figs


def _keyed(sentence: str, year: int | None = None) -> dict[str, float]:
    return {f.key: f.value for f in _figures(sentence, year) if f.key}


# --- keys come from narrative_keys.yaml --------------------------------------------------

def test_every_key_rule_is_read_from_the_key_file():
    keys = [r.key for r in key_rules()]
    assert "proactive.items" in keys and "requests.carried_over.total" in keys
    assert keys.index("requests.carried_over.total") < keys.index("requests.new.total")


@pytest.mark.parametrize(("sentence", "key", "value"), [
    ("本年度共受理群众和企业提出的政府信息公开申请12件。", "requests.new.total", 12),
    ("全年办理答复申请40件。", "requests.outcome.total.total", 40),
    ("已依法办结申请19件。", "requests.outcome.total.total", 19),
    ("结转上年度申请4件。", "requests.carried_over.total", 4),
    ("结转至2017年办理2件。", "requests.carry_forward.total", 2),
    ("我办主动公开政府信息的数量为88条。", "proactive.items", 88),
    ("我乡主动公开政府信息件数为31件。", "proactive.items", 31),
    ("公开本级制定的规范性文件9条。", "proactive.documents", 9),
    ("我委全年主动公开政府資訊70条。".replace("資訊", "资讯"), "proactive.items", 70),
])
def test_common_phrasings_are_keyed(sentence: str, key: str, value: float):
    assert _keyed(sentence).get(key) == value


def test_withheld_information_items_are_not_refused_requests():
    assert "requests.outcome.withheld.subtotal.total" not in _keyed("不予公开信息有25条，主要涉及内部事务。")
    assert _keyed("不予公开3件。")["requests.outcome.withheld.subtotal.total"] == 3


@pytest.mark.parametrize("sentence", ["2016年全县共受理行政复议9件。", "本机关受理行政复议申请6件。"])
def test_reconsiderations_decided_as_review_body_are_not_disclosure_cases(sentence: str):
    assert "review.total" not in _keyed(sentence)


def test_a_part_is_never_the_total_of_answers():
    keyed = _keyed("收到申请10件，其中按时答复8件。")
    assert keyed.get("requests.new.total") == 10 and "requests.outcome.total.total" not in keyed


# --- time scope --------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "year", "scopes"), [
    # the year named in the sentence decides, not only 上年/去年
    ("2015年受理申请20件，2016年受理申请26件。", 2016, [(20, "previous_year"), (26, "year")]),
    # the last time word before a number binds it: the 其中 part is this year's
    ("截至2016年底，我县历年累计公开信息900条，其中2016年新增公开信息150条。", 2016,
     [(900, "cumulative"), (150, "year")]),
    # year-to-date is this year; since an earlier year is cumulative
    ("2016年以来，我局累计发布信息300条。", 2016, [(300, "year")]),
    ("2010年以来，我局累计发布信息3000条。", 2016, [(3000, "cumulative")]),
    ("今年以来，共发布通知公告45条。", 2016, [(45, "year")]),
    # a span of years is a catalogue of several years
    ("编印2008年至2012年政府信息公开目录，收录信息1200条。", 2013, [(1200, "cumulative")]),
    # to date, in total
    ("目前我局总计公开信息5000条。", 2013, [(5000, "cumulative")]),
    # a date is a point in time, not a year's count
    ("我镇自2009年3月起开展此项工作，现有兼职人员4名。", 2012, [(4, "year")]),
    # before and after
    ("栏目由原来的6个增加到现在的11个。", 2014, [(6, "previous_year"), (11, "year")]),
    # carried over from last year is handled this year
    ("结转上年度申请2件。", 2014, [(2, "year")]),
    # a change against a named year
    ("网站排名较2013年上升15位。", 2014, [(15, "change")]),
])
def test_scope(sentence: str, year: int, scopes: list[tuple[float, str]]):
    assert [(f.value, f.scope) for f in _figures(sentence, year)] == scopes


def test_scope_without_the_reports_year_keeps_named_years_as_this_years():
    assert figure_scope("2015年受理申请", "件") == "year"


def test_previous_years_figure_does_not_take_the_key():
    keyed = _keyed("2015年主动公开政府信息300条，2016年主动公开政府信息420条。", 2016)
    assert keyed["proactive.items"] == 420


# --- zeros stated in words ------------------------------------------------------------------

def _zeros(text: str) -> dict[str, int]:
    return {f.key: f.value for f in implicit_zeros([(0, text)], set())}


def test_zeros_in_a_sentence_that_also_states_numbers():
    found = _zeros("全年收到申请5件，均已按时答复，未发生行政复议和行政诉讼，未收取任何费用。")
    assert found == {"review.total": 0, "litigation.total": 0, "fees.collected": 0}


@pytest.mark.parametrize("text", ["本年度我所没有收到政府信息公开申请。", "2012年度没有依申请公开信息的情况。",
                                  "今年未接到公民要求公开政府信息的申请。"])
def test_no_request_received_is_zero_requests(text: str):
    assert _zeros(text) == {"requests.new.total": 0}


@pytest.mark.parametrize("text", ["2014年度没有关于信息公开的收费及减免情况。", "本年度没有因信息公开而产生的收费。"])
def test_fee_nil_statements_with_words_between(text: str):
    assert _zeros(text) == {"fees.collected": 0}


def test_words_before_a_stated_number_are_no_zero():
    assert "review.total" not in _zeros("本年度未收到申请，行政复议1件。")


def test_negation_inside_another_word_is_no_zero():
    assert _zeros("无论收到申请多少，均认真办理。") == {}


# --- counting units and what a number counts -------------------------------------------------

def _quantities(sentence: str) -> list[tuple[float, str, str]]:
    return [(f.value, f.unit, f.label) for f in _figures(sentence)]


@pytest.mark.parametrize(("sentence", "value", "unit"), [
    ("办事群众平均等候时间缩短为12分钟。", 12, "分钟"),
    ("共梳理公开事项5大类64项。", 5, "大类"),
    ("开展政策宣讲活动14场次。", 14, "场次"),
    ("全年接听咨询电话37通。", 37, "通"),
    ("门户网站设置7大板块。", 7, "大板块"),
    ("在年度考评中得分91.5分。", 91.5, "分"),
    ("信息量是上年的2.5倍。", 2.5, "倍"),
    ("先后三次召开专题会议。", 3, "次"),
])
def test_units_off_the_old_list(sentence: str, value: float, unit: str):
    assert (value, unit) in [(v, u) for v, u, _ in _quantities(sentence)]


@pytest.mark.parametrize("sentence", ["这项工作十分重要。", "报告分为四个部分。", "会议传达了十九届五中全会精神。",
                                      "我们一次性告知申请人。", "属于三类涉密信息。"])
def test_words_that_look_like_counts_are_not(sentence: str):
    assert _quantities(sentence) == []


@pytest.mark.parametrize(("sentence", "label"), [
    # numeral, unit, noun: the noun after the number is what is counted
    ("目前共配备了3名专职工作人员。", "配备专职工作人员"),
    ("我委专门配备了4名兼职信息员，负责日常工作。", "配备兼职信息员"),
    ("并开辟了9个公共阅览点。", "开辟公共阅览点"),
    # time words before the number say when, not what
    ("年初、年中两次组织业务培训。", "组织业务培训"),
])
def test_noun_after_the_number(sentence: str, label: str):
    assert _quantities(sentence)[0][2] == label


def test_a_share_is_named_by_the_figure_before_it():
    found = _quantities("公开财政类信息40条，占总体的比例为12.5%。")
    assert found[1] == (12.5, "%", "公开财政类信息占比")


@pytest.mark.parametrize("sentence", ["按照《条例》第5至8条的规定执行。", "我县网站位列全市12位。",
                                      "宣传“惠企十条”和“稳岗20条”政策。", "本报告共分6个部分。"])
def test_ordinals_ranks_names_and_text_structure_are_not_figures(sentence: str):
    assert _quantities(sentence) == []


def test_a_change_of_rank_is_a_figure():
    assert [(f.value, f.scope) for f in _figures("网站排名较上年上升8位。")] == [(8, "change")]


# --- 其中 parts -------------------------------------------------------------------------------

def _parents(sentence: str) -> list[tuple[float, float | None]]:
    figs = _figures(sentence)
    return [(f.value, figs[f.part_of].value if f.part_of is not None else None) for f in figs]


def test_parts_hang_on_the_total_not_on_the_change_after_it():
    assert _parents("全年共发布信息420条，比上年增加35条，其中工作动态300条、通知公告120条。") == [
        (420, None), (35, None), (300, 420), (120, 420)]


def test_parts_hang_on_the_total_not_on_the_bracketed_figure():
    # the bracketed 含-figure is itself a part of the total it follows
    assert _parents("收到申请9件（含上年结转2件），其中同意公开6件。") == [(9, None), (2, 9), (6, 9)]


def test_a_count_after_a_scene_keeps_its_own_words():
    figs = _figures("在已办结的申请中，予以公开21件。")
    assert (figs[0].label, figs[0].key) == ("予以公开", "requests.outcome.granted.total")


# --- numbers without a counting unit ----------------------------------------------------------

@pytest.mark.parametrize(("sentence", "value", "approx"), [
    ("政务微博粉丝数21846，", 21846, False),
    ("客户端下载量达3.2万，", 32000, False),
    ("公众号关注用户已突破120万。", 1_200_000, True),
])
def test_count_named_by_its_noun(sentence: str, value: float, approx: bool):
    [fig] = _figures(sentence)
    assert (fig.value, fig.unit, fig.approx) == (value, None, approx)


@pytest.mark.parametrize("sentence", ["邮政编码为215000。", "咨询电话为0512-66001234。", "文号为12，",
                                      "本年新收政府信息公开申请数量12 0 0 1"])
def test_codes_without_a_unit_are_no_counts(sentence: str):
    assert _figures(sentence) == []


def test_approximate_from_the_word_after():
    [fig] = _figures("办结率达98%以上。")
    assert (fig.value, fig.approx) == (98, True)


def test_a_figure_printed_again_is_kept_once():
    figs = extract_text_figures([(0, "全县主动公开政府信息3120条，受理申请15件。"),
                                 (40, "2015年全县主动公开政府信息3120条，其中网站发布3120条。")])
    assert [(f.value, f.start) for f in figs] == [(3120, 10), (15, 20), (3120, 67)]
    assert figs[2].part_of == 0


def test_both_ends_of_a_change_count_the_subject_before_it():
    figs = _figures("窗口平均办理时间由25分钟缩短至10分钟，", 2016)
    assert [(f.label, f.value, f.unit) for f in figs] == [("窗口平均办理时间", 25, "分钟"), ("窗口平均办理时间", 10, "分钟")]
    figs = _figures("网站信息量由2015年的900条增加到2016年的1300条。", 2016)
    assert [(f.label, f.value, f.scope) for f in figs] == [("网站信息量", 900, "previous_year"), ("网站信息量", 1300, "year")]


def test_a_running_total_takes_its_own_cumulative_key():
    keyed = _keyed("截至2016年底，全县累计主动公开政府信息8600条，其中本年度新增主动公开政府信息1200条。", 2016)
    assert keyed == {"proactive.items.cumulative": 8600, "proactive.items": 1200}


def test_a_multiple_compares_two_periods():
    assert [(f.value, f.scope) for f in _figures("全年发布量是上年的2.5倍。", 2016)] == [(2.5, "rate")]


def test_a_part_named_only_by_new_counts_what_its_total_counts():
    keyed = _keyed("截至2016年底全县累计主动公开9.5万条，其中本年度新增1.2万条。", 2016)
    assert keyed == {"proactive.items.cumulative": 95000, "proactive.items": 12000}


def test_parts_after_a_change_stay_this_years():
    figs = _figures("共发布信息510条，比上年增加40条，其中工作动态300条、公示公告210条。", 2016)
    assert [(f.value, f.scope) for f in figs] == [(510, "year"), (40, "change"), (300, "year"), (210, "year")]


def test_a_bare_number_never_borrows_the_label_of_a_change():
    figs = _figures("共计510条，比上年增加40条。", 2016)
    assert "增加" not in figs[0].label


def test_a_bare_number_shares_the_noun_before_it():
    figs = _figures("三篇推文阅读量即达45万次。")
    assert [(f.value, f.label) for f in figs] == [(3, "推文阅读量"), (450000, "推文阅读量")]


def test_no_withheld_information_items_is_no_zero_refusal():
    assert "requests.outcome.withheld.subtotal.total" not in _zeros("本年度无不予公开信息的情况。")
    assert _zeros("本年度没有不予公开的情况。") == {"requests.outcome.withheld.subtotal.total": 0}


# --- rules of the pending-entries pass (each with sentences of its own) ------------------------

@pytest.mark.parametrize(("sentence", "unit", "value"), [
    ("全年开展政务公开专题培训3轮。", "轮", 3),
    ("在各村设立信息公开栏52块。", "块", 52),
    ("工作人员参加在线学习累计20学时。", "学时", 20),
    ("申请平均答复时间为6天。", "天", 6),
])
def test_more_counting_units(sentence: str, unit: str, value: float):
    assert [(f.unit, f.value) for f in _figures(sentence)] == [(unit, value)]


def test_words_that_begin_with_a_unit_are_no_unit():
    assert _figures("全市3天然气站点信息已公开。") == []


@pytest.mark.parametrize(("sentence", "key", "value"), [
    ("对申请内容不属于本部门掌握的3件申请，告知了申请人。", "requests.outcome.unable.not_held.total", 3),
    ("另有1件结转至2019年继续办理。", "requests.carry_forward.total", 1),
    ("行政复议2件，其中维持原具体行政行为1件，被纠正1件。", "review.corrected", 1),
    ("门户网站点击量突破45万。", "website.visits", 450000),
])
def test_more_keyed_phrasings(sentence: str, key: str, value: float):
    assert _keyed(sentence, 2018)[key] == value


def test_a_count_verb_alone_takes_the_object_of_the_clause_before():
    figs = _figures("上半年收到政府信息公开申请10件，下半年收到14件。")
    assert [f.label for f in figs] == ["收到政府信息公开申请", "收到政府信息公开申请"]


def test_the_value_of_the_year_compared_against_is_last_years():
    assert figure_scope("本年度发布信息900条，比上年同期的", "条", 2016) == "previous_year"
    assert figure_scope("本年度发布信息900条，比上年同期增加", "条", 2016) == "change"


def test_a_total_with_carried_over_requests_is_not_new_requests():
    figs = _figures("共受理申请15件（包括上年结转3件）。")
    assert [(f.value, f.key, f.part_of) for f in figs] == [
        (15, None, None), (3, "requests.carried_over.total", 0)]


@pytest.mark.parametrize(("sentence", "value"), [
    ("政务微博注册用户已达9800。", 9800),
    ("门户网站全年访问量120万，月均约10万。", 100000),
])
def test_counts_named_by_their_noun_or_as_an_average(sentence: str, value: float):
    assert value in [f.value for f in _figures(sentence)]


def test_a_relative_clause_before_a_total_counts_the_sentence_subject():
    figs = _figures("全镇便民服务事项经梳理后，保留的合计42项。")
    assert "便民服务事项" in figs[0].label
