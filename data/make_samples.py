#!/usr/bin/env python3
"""Generate the fictional sample documents in data/samples/ and data/sample_questions.jsonl.

Everything here is invented for this project: "Harbor Lane Logistics Ltd." / 港湾物流有限公司 is a
fictional company and its policies, figures and contacts are made up.

    python data/make_samples.py            # writes data/samples/* and data/sample_questions.jsonl

Needs fpdf2 (PDF writer), python-docx, openpyxl and pypdf (used to verify the generated PDFs and to
compute the page numbers of the sample questions). The Chinese PDF needs a CJK TrueType font that
also covers Latin letters and digits (TTF/TTC with glyf outlines), e.g. `apt-get install
fonts-wqy-microhei`, or DOCQA_CJK_FONT=/path/to/font.ttc. Each PDF is written to a temporary file and
only replaces the previous copy once pypdf has extracted every paragraph of it intact.
Output is deterministic: fixed text, fixed document dates, fixed zip timestamps.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "samples"
QUESTIONS = HERE / "sample_questions.jsonl"

FIXED_DATE = dt.datetime(2025, 1, 1, 9, 0, 0, tzinfo=dt.timezone.utc)
COMPANY_EN = "Harbor Lane Logistics Ltd."
COMPANY_ZH = "港湾物流有限公司"

PDF_EN = "travel_expense_policy.pdf"
PDF_ZH = "attendance_leave_policy_zh.pdf"
DOCX_ZH = "infosec_policy_zh.docx"
DOCX_EN = "it_acceptable_use_handbook.docx"
XLSX = "travel_rates_2025.xlsx"
FAQ = "faq.md"

CJK_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
]


# ---------------------------------------------------------------------------------------------
# 1. English PDF: Travel and Expense Policy
# ---------------------------------------------------------------------------------------------

# Per diem rates (USD) shared by the PDF table and the "Per diem" sheet of the workbook.
PER_DIEM = [
    ("Tier 1", "New York, London, Singapore, Tokyo, Hong Kong, Zurich", 300, 85, 15),
    ("Tier 2", "Chicago, Frankfurt, Sydney, Dubai, Shanghai, Toronto", 220, 65, 12),
    ("Tier 3", "All other cities", 160, 50, 10),
]

# Each section: (heading, [paragraph | ("table",) | ("list", [items])])
EN_POLICY = [
    ("1. Purpose and Scope", [
        "1.1 This policy sets out how employees of Harbor Lane Logistics Ltd. and its subsidiaries "
        "(\"the Company\") plan, book, pay for and claim business travel and related expenses. It applies "
        "to all employees and to contractors who travel at the Company's expense.",
        "1.2 The Company reimburses reasonable, necessary and properly documented costs that employees "
        "incur while travelling on Company business. Travel should be the exception rather than the rule: "
        "before booking a trip, travellers should consider whether a video conference would achieve the "
        "same result at a lower cost and with a smaller carbon footprint.",
        "1.3 Employees of the Company's China entity who travel within mainland China use the CNY "
        "allowances on the second sheet (domestic travel allowances, in Chinese) of the workbook "
        "travel_rates_2025.xlsx instead of the USD rates in section 5. All other rules of this policy "
        "apply to them as well.",
    ]),
    ("2. Definitions", [
        "Business trip: travel more than 50 miles (80 km) from the employee's normal place of work, "
        "approved in advance under section 3.",
        "TravelDesk: the Company's in-house travel team and its booking portal. All flights, rail tickets "
        "and hotels are booked through TravelDesk unless this policy says otherwise.",
        "City tier: the cost category of the destination city. Tier 1 covers New York, London, Singapore, "
        "Tokyo, Hong Kong and Zurich; Tier 2 covers Chicago, Frankfurt, Sydney, Dubai, Shanghai and "
        "Toronto; every other city is Tier 3.",
        "Per diem: a fixed daily allowance for meals and incidental expenses, paid without receipts.",
    ]),
    ("3. Approval of Travel", [
        "3.1 Every business trip must be approved in the TravelDesk portal before any booking is made. "
        "The approver is determined by the total estimated cost of the trip, including fares, lodging, "
        "per diems and ground transport:",
        ("list", [
            "up to USD 2,500: the traveller's line manager;",
            "more than USD 2,500 and up to USD 10,000: the head of the traveller's department;",
            "more than USD 10,000: the Chief Financial Officer (CFO).",
        ]),
        "3.2 International trips always require at least department head approval, whatever their cost.",
        "3.3 Trips requested less than 7 calendar days before departure need a short written justification "
        "(the \"late booking reason\" field in TravelDesk). Frequent last-minute requests from the same "
        "team are reviewed by Finance every quarter, because late bookings are, on average, well over "
        "a third more expensive than trips planned in good time, and the resulting cost overruns are "
        "charged back to the requesting department's budget at the end of the financial year.",
    ]),
    ("4. Booking Rules", [
        "4.1 Air travel. Flights are booked through TravelDesk at least 14 days before departure where "
        "possible, choosing the lowest logical fare that meets the business need. The class of travel "
        "depends on the scheduled flight time of each leg:",
        ("list", [
            "under 6 hours: economy class;",
            "6 hours up to 9 hours: premium economy;",
            "more than 9 hours: business class, with the approval of the department head.",
        ]),
        "Fully refundable fares are booked only when plans are genuinely uncertain. Seat selection fees "
        "and one checked bag are reimbursed; other ancillary fees are not.",
        "4.2 Rail travel. Standard class is the norm. First class may be booked for journeys with a "
        "scheduled duration of more than 3 hours.",
        "4.3 Hotels. Travellers stay in TravelDesk-contracted hotels where available. The nightly room "
        "rate, excluding taxes, must not exceed the lodging cap for the city tier in section 5. When a "
        "conference hotel is more expensive than the cap, the department head may approve the difference "
        "in advance.",
        "4.4 Car rental. Compact or intermediate cars only. Decline the rental company's collision damage "
        "and liability insurance: the Company's motor policy already covers employees on business.",
        "4.5 Loyalty programmes. Travellers may keep airline miles and hotel points earned on business "
        "trips, but loyalty schemes must never influence the choice of airline, hotel or fare.",
    ]),
    ("5. Per Diem Allowances", [
        "5.1 Lodging is reimbursed at actual cost up to the lodging cap. Meals and incidentals (tips, "
        "laundry, local calls) are covered by a per diem paid without receipts. The rates, in US dollars "
        "per day, are:",
        ("table",),
        "5.2 On the first and the last day of a trip, the meals per diem is paid at 75 percent.",
        "5.3 When a meal is provided free of charge (for example by a conference organiser or a client), "
        "the meals per diem for that day is reduced by 20 percent for breakfast, 30 percent for lunch and "
        "50 percent for dinner.",
        "5.4 The full rate table, with the cities of each tier and the date from which the rates apply, is "
        "kept by Finance in the workbook travel_rates_2025.xlsx (sheet \"Per diem\"). Finance reviews the "
        "rates every January.",
    ]),
    ("6. Ground Transport and Mileage", [
        "6.1 Public transport, taxis and ride-hailing services are reimbursed at cost. Airport express "
        "trains are preferred over taxis when they are quicker or cheaper.",
        "6.2 An employee who uses a private car for a business trip is reimbursed at USD 0.62 per mile. "
        "The mileage rate covers fuel, wear and insurance; tolls and parking are claimed separately. The "
        "employee's normal commuting distance is deducted, and a mileage log (date, route, purpose, "
        "miles) must be attached to the claim.",
        "6.3 Airport parking is reimbursed up to USD 25 per day.",
    ]),
    ("7. Travel Insurance and Safety", [
        "7.1 Every approved business trip is covered by the Company's travel insurance, which includes "
        "emergency medical treatment, repatriation, lost luggage up to USD 2,000 and trip cancellation. "
        "Trips booked outside TravelDesk are not registered with the insurer and therefore must be "
        "reported to TravelDesk before departure.",
        "7.2 Travellers are registered automatically with the Company's travel assistance service, which "
        "sends security alerts for the destination and can be reached around the clock on +1 555 0100 "
        "(collect calls accepted). In an emergency abroad, call the assistance service first and inform "
        "your line manager as soon as it is safe to do so.",
        "7.3 Travel to destinations rated \"high risk\" by the assistance service needs the prior written "
        "approval of the Head of Corporate Security in addition to the approvals in section 3, and a "
        "security briefing before departure.",
    ]),
    ("8. Visas, Passports and Vaccinations", [
        "8.1 Visa fees, the cost of mandatory travel vaccinations and medication recommended by the "
        "occupational health service are reimbursed. Passport fees are reimbursed only for employees who "
        "travel abroad on business more than twice a year.",
        "8.2 Travellers are responsible for checking entry requirements in good time. Costs caused by a "
        "missing or expired visa or passport are not reimbursed.",
    ]),
    ("9. Combining Business and Personal Travel", [
        "9.1 Employees may add up to 3 days of personal travel to a business trip, with the approval of "
        "their line manager, provided that the return fare does not exceed the fare of a direct return on "
        "the business dates. Lodging, meals and all other costs of the personal days are paid by the "
        "employee, and the travel insurance covers the personal days only when they are adjacent to the "
        "business days.",
    ]),
    ("10. Travel Advances", [
        "10.1 For trips to countries where cards are not widely accepted, Finance may pay a cash advance "
        "of up to 80 percent of the estimated per diems of the trip. The advance is settled in the expense "
        "claim; any unspent amount is repaid within 10 business days after the end of the trip.",
    ]),
    ("11. Expense Claims and Reimbursement", [
        "11.1 Expense claims are submitted in the expense system within 30 calendar days after the end "
        "of the trip.",
        "11.2 An itemised receipt is required for every expense of USD 25 or more, except for per diem "
        "items. Credit card slips alone are not accepted as receipts.",
        "11.3 If a receipt is lost, the employee completes a Missing Receipt Declaration signed by the "
        "line manager. A declaration may be used at most twice per calendar year.",
        "11.4 Claims submitted more than 90 days after the end of the trip are not reimbursed, unless the "
        "CFO grants an exception in writing.",
        "11.5 Approved claims are paid into the employee's salary account within 10 business days of "
        "approval. Expenses in foreign currency are converted at the rate shown on the card statement or, "
        "for cash payments, at the Finance rate published for the date of the expense.",
    ]),
    ("12. Corporate Card", [
        "12.1 Employees who travel more than four times a year are issued a corporate card with a monthly "
        "limit of USD 5,000. The card must not be used for personal expenses, and cash withdrawals are "
        "limited to the per diem of the trip.",
        "12.2 Card transactions are reconciled in the expense system by the 5th business day of the "
        "following month. Unreconciled transactions older than 60 days may lead to the card being "
        "suspended.",
    ]),
    ("13. Client Entertainment", [
        "13.1 Meals with clients or partners are reimbursed up to USD 75 per person, including tax and "
        "tip. The claim lists every attendee, their organisation and the business purpose. Amounts above "
        "the limit need the prior approval of the department head.",
    ]),
    ("14. Non-reimbursable Expenses", [
        "The following are not reimbursed: alcohol outside approved client entertainment; hotel minibar "
        "and in-room films; traffic and parking fines; travel of spouses, partners or family members; "
        "upgrades not allowed by section 4; personal grooming, clothing and luggage; and costs of lost "
        "luggage that were not first claimed from the airline.",
    ]),
    ("15. Exceptions, Breaches and Contacts", [
        "15.1 Exceptions to this policy are approved in writing by the CFO before the expense is "
        "incurred. Submitting a false or inflated claim is a disciplinary matter.",
        "15.2 TravelDesk: travel@harborlane.example, extension 4400. Expense questions: Finance, "
        "expenses@harborlane.example, extension 4410.",
    ]),
    ("16. Document History", [
        ("history",),
    ]),
]

DOC_HISTORY = [
    ("Version", "Effective", "Changes"),
    ("3.0", "2023-07-01", "City tiers introduced; hotel booking moved to TravelDesk."),
    ("3.1", "2024-01-01", "Mileage rate revised; receipt threshold raised; corporate card section added."),
    ("3.2", "2025-01-01", "Per diem rates updated; sections 7 to 10 (insurance, visas, personal travel, "
                          "advances) added."),
]


# Hyphenation points for a few long words, applied as soft hyphens (U+00AD): fpdf2 breaks a line there
# and prints a hyphen only when the word happens to fall at the end of a line, as a typesetter would.
HYPHENATION = [
    "reim-bursed", "reim-burse-ment", "de-part-ment", "jus-ti-fi-ca-tion", "in-ter-na-tion-al",
    "or-gan-i-sa-tion", "doc-u-ment-ed", "con-fer-ence", "trans-ac-tions", "en-ter-tain-ment",
    "ex-pen-sive", "reg-is-tered", "re-spon-si-ble", "oc-cu-pa-tion-al", "vac-ci-na-tions",
    "ap-prov-al", "in-ci-den-tals", "ac-com-mo-da-tion", "de-ter-mined", "in-sur-ance",
]
_HYPHEN_RE = re.compile(r"\b(" + "|".join(w.replace("-", "") for w in HYPHENATION) + r")\b", re.I)
_HYPHEN_MAP = {w.replace("-", ""): w.replace("-", "\u00ad") for w in HYPHENATION}


def soft_hyphenate(text: str) -> str:
    def sub(m: re.Match) -> str:
        word = m.group(0)
        hyph = _HYPHEN_MAP[word.lower()]
        return word[0] + hyph[1:]

    return _HYPHEN_RE.sub(sub, text)


def _require(module: str, package: str):
    try:
        return __import__(module)
    except ImportError:
        sys.exit(f"make_samples: the Python package '{package}' is required: pip install {package}")


def _fpdf():
    _require("fpdf", "fpdf2")
    from fpdf import FPDF

    return FPDF


def make_en_pdf(path: Path) -> None:
    FPDF = _fpdf()

    class PolicyPDF(FPDF):
        def header(self):
            self.set_font("Helvetica", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, "Harbor Lane Logistics Ltd.  |  Travel and Expense Policy  |  HLL-FIN-007 v3.2",
                      new_x="LMARGIN", new_y="NEXT")
            self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
            self.ln(6)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"Internal - do not distribute  |  Page {self.page_no()} of {{nb}}", align="C")

    pdf = PolicyPDF(format="A4")
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=22)
    _pdf_metadata(pdf, "Travel and Expense Policy", "Harbor Lane Logistics Ltd. - Finance Department")
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, "Travel and Expense Policy", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(0, 5, "Document HLL-FIN-007, version 3.2. Owner: Finance Department. Approved by the Chief "
                         "Financial Officer on 2 December 2024. Effective 1 January 2025; replaces version 3.1.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    for heading, body in EN_POLICY:
        if pdf.get_y() > pdf.h - 60:  # keep a heading with the start of its section
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 12.5)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        for item in body:
            pdf.set_font("Helvetica", size=10.5)
            if isinstance(item, str):
                pdf.multi_cell(0, 5.6, soft_hyphenate(item), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2.2)
            elif item[0] == "list":
                for entry in item[1]:
                    pdf.set_x(pdf.l_margin + 6)
                    pdf.multi_cell(0, 5.6, "-  " + soft_hyphenate(entry), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2.2)
            elif item[0] == "table":
                pdf.set_font("Helvetica", size=9.5)
                with pdf.table(col_widths=(18, 70, 24, 22, 26), line_height=5.6,
                               text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
                    table.row(["City tier", "Cities", "Lodging cap", "Meals", "Incidentals"])
                    for tier, cities, lodging, meals, inc in PER_DIEM:
                        table.row([tier, cities, f"{lodging}", f"{meals}", f"{inc}"])
                pdf.ln(3)
            elif item[0] == "history":
                pdf.set_font("Helvetica", size=9.5)
                with pdf.table(col_widths=(18, 26, 116), line_height=5.6) as table:
                    for row in DOC_HISTORY:
                        table.row(list(row))
                pdf.ln(3)
    pdf.output(str(path))


def _pdf_metadata(pdf, title: str, author: str) -> None:
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("docqa data/make_samples.py")
    pdf.set_creation_date(FIXED_DATE)


# ---------------------------------------------------------------------------------------------
# 2. Chinese PDF: 员工考勤与休假管理办法
# ---------------------------------------------------------------------------------------------

ZH_POLICY = [
    ("第一章 总则", [
        "第一条 为规范港湾物流有限公司（以下简称“公司”）的考勤与休假管理，维护正常的工作秩序，保障员工依法享有"
        "休息休假的权利，根据《中华人民共和国劳动法》《职工带薪年休假条例》等法律法规，结合公司实际情况，制定本办法。",
        "第二条 本办法适用于与公司签订劳动合同的全体员工，包括试用期员工。劳务派遣人员和实习生参照本办法执行，"
        "协议另有约定的，从其约定。",
        "第三条 人力资源部负责本办法的制定、解释和监督执行，并每月汇总考勤数据作为工资核算的依据；各部门负责人负责"
        "本部门员工的日常考勤管理，对本部门考勤记录的真实性和准确性负责。",
    ]),
    ("第二章 工作时间与考勤", [
        "第四条 公司实行每日工作8小时、每周工作40小时的标准工时制度。办公室员工的工作时间为周一至周五上午9:00至"
        "下午6:00，其中12:00至13:00为午餐休息时间。仓储和运输岗位实行轮班制，具体班次由运营部门排定后报人力资源部备案。",
        "第五条 员工上下班须通过公司考勤系统（门禁刷卡或手机定位打卡）记录出勤。因外出办事、出差等原因无法打卡的，"
        "应在次日下班前通过HR自助系统提交补卡申请，并经直接上级审批；每名员工每月补卡次数不得超过3次，超过部分按"
        "缺勤处理。",
        "第六条 员工应按时到岗，不得迟到或早退。迟到、早退按以下规定处理：",
        "（一）迟到或早退15分钟以内（含15分钟）的，每次扣款50元；",
        "（二）迟到或早退超过15分钟、不超过60分钟的，每次扣款100元；",
        "（三）迟到或早退超过60分钟的，按旷工半天处理；",
        "（四）每个自然月内前2次迟到且每次不超过10分钟的，不予扣款。",
        "第七条 未经批准缺勤、请假期满未续假或者请假未获批准而擅自离岗的，均视为旷工。旷工期间不发放工资；连续旷工"
        "满3个工作日或者一年内累计旷工满5个工作日的，属于严重违反公司规章制度，公司可以依法解除劳动合同。",
    ]),
    ("第三章 加班管理", [
        "第八条 公司倡导员工在工作时间内高效完成工作，原则上不提倡加班。确因工作需要加班的，员工应事先通过HR自助系统"
        "提交加班申请，写明加班事由和预计时长，经部门负责人批准后方可加班；未经批准自行延长工作时间的，不认定为加班。",
        "第九条 加班的补偿方式如下：工作日延长工作时间的，优先安排同等时长的调休，不能安排调休的，按不低于本人小时"
        "工资的150%支付加班工资；休息日加班的，安排同等时长的补休，不能安排补休的，按不低于本人小时工资的200%支付"
        "加班工资；法定节假日加班的，按不低于本人小时工资的300%支付加班工资，不以调休代替。",
        "第十条 调休以小时为单位累计，最小单位为1小时。调休应当在加班发生之日起6个月内使用，逾期未使用的调休时数自动"
        "失效；因公司原因未能安排调休的，人力资源部应按第九条的规定折算为加班工资，随当月工资一并发放。",
    ]),
    ("第四章 休假", [
        "第十一条 员工享有国家规定的法定节假日，具体放假日期以国务院办公厅每年公布的节假日安排为准。",
        "第十二条 员工连续工作满12个月以上的，享受带薪年休假（以下简称“年假”）。员工累计工作已满1年不满10年的，"
        "年假5天；已满10年不满20年的，年假10天；已满20年的，年假15天。国家法定休假日、休息日不计入年假假期。新入职"
        "员工当年度的年假天数，按照在公司剩余的日历天数折算，折算后不足1整天的部分不享受年假。",
        "第十三条 年假原则上应当在当年度内休完，可以集中安排，也可以分段安排，每次最少半天。因工作原因当年未休完的，"
        "经部门负责人批准，可以结转至次年3月31日前使用，逾期未使用的视为自动放弃。",
        "第十四条 员工因病或者非因工负伤需要停止工作治疗的，可以申请病假。申请病假1天以上（含1天）的，须在返岗后3个"
        "工作日内提交二级及以上医院出具的诊断证明和休假建议。每个日历年度内累计病假5天以内（含5天）的，全额发放"
        "基本工资；超过5天的部分，按本人基本工资的80%支付病假工资，但不低于当地最低工资标准的80%。",
        "第十五条 事假为无薪假，按日扣除工资，日工资按本人月基本工资除以21.75计算。事假原则上每次不超过3天，全年累计"
        "不超过15天。",
        "第十六条 员工依法享受以下假期，假期期间工资照发：",
        "（一）婚假：依法办理结婚登记的员工享受婚假10天，婚假应当自结婚登记之日起一年内一次性休完；",
        "（二）产假：女员工生育的，按照国家和公司所在地的规定享受产假，目前为158天，其中产前可休15天；",
        "（三）陪产假：男员工的配偶生育的，享受陪产假15天，应当在配偶产假期间休完；",
        "（四）丧假：员工的父母、配偶、子女去世的，给予丧假3天；配偶的父母、祖父母、外祖父母或者兄弟姐妹去世的，"
        "给予丧假1天。",
    ]),
    ("第五章 试用期员工", [
        "第十七条 劳动合同期限3个月以上不满1年的，试用期为1个月；劳动合同期限1年以上不满3年的，试用期为2个月；"
        "3年以上固定期限和无固定期限的劳动合同，试用期为6个月。",
        "第十八条 试用期员工执行本办法的考勤规定，可以申请病假、事假以及国家规定的各类假期。试用期员工符合第十二条"
        "规定条件的，同样享受年假，但试用期内申请年假须经部门负责人同意。试用期内累计请假超过5个工作日的，由人力资源部"
        "与员工协商确定是否延长试用期，延长后的试用期不得超过法定上限。",
    ]),
    ("第六章 请假审批程序", [
        "第十九条 员工请假应当提前通过HR自助系统提交申请，按以下权限审批：",
        "（一）请假3天以内（含3天）的，由部门经理审批；",
        "（二）请假3天以上、10天以内（含10天）的，由部门经理审核后报部门总监审批；",
        "（三）请假10天以上的，由部门总监审核后报人力资源总监和总经理审批。",
        "因突发疾病等紧急情况无法事先申请的，员工应当在当日上午10:00前通过电话或即时通讯工具告知直接上级，并在返岗后"
        "2个工作日内补办请假手续；逾期未补办的，按旷工处理。",
        "第二十条 年假应当至少提前5个工作日申请；连续休假5天以上的，应当至少提前10个工作日申请，以便部门安排工作交接。",
    ]),
    ("第七章 出差外出与考勤申诉", [
        "第二十一条 员工因公出差或者外出办事的，应当事先通过HR自助系统提交出差（外出）申请，经批准后，出差期间"
        "按正常出勤计算，无需打卡。出差途中遇休息日的，不计加班；因工作需要在休息日从事工作的，按第九条的规定执行。"
        "出差的住宿、伙食和交通补贴标准，按照公司差旅费标准表（travel_rates_2025.xlsx中的“差旅补贴标准”工作表）执行。",
        "第二十二条 员工对本人考勤记录有异议的，应当在每月考勤结果公布之日起5个工作日内通过HR自助系统提出申诉，"
        "并附相关证明材料；人力资源部应当在收到申诉后3个工作日内核实并答复。逾期未提出申诉的，视为确认考勤结果。",
    ]),
    ("第八章 附则", [
        "第二十三条 本办法由人力资源部负责解释。各部门可以根据本办法制定实施细则，报人力资源部审核后执行。",
        "第二十四条 本办法自2025年1月1日起施行，原《考勤管理规定》（HLL-HR-005）同时废止。",
    ]),
]


def find_cjk_font() -> tuple[str, int] | None:
    env = os.environ.get("DOCQA_CJK_FONT")
    if env:
        if Path(env).is_file():
            return env, 0
        print(f"make_samples: DOCQA_CJK_FONT={env} does not exist", file=sys.stderr)
        return None
    for path, index in CJK_FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    return None


# Characters that must not start a line, and ASCII runs that are never split (as a word processor does).
_NO_LINE_START = set("，。、；：？！）》」』”’…%")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.:%/_-]*|.", re.S)


def wrap_cjk(pdf, text: str, width: float) -> list[str]:
    """Greedy line breaking for Chinese text (fpdf2 only breaks at spaces): any CJK character may end a
    line, ASCII words/numbers stay whole, closing punctuation hangs at the end of the previous line."""
    lines, current = [], ""
    for token in _TOKEN.findall(text):
        if current and pdf.get_string_width(current + token) > width and token[0] not in _NO_LINE_START:
            lines.append(current)
            current = token.lstrip()
        else:
            current += token
    if current:
        lines.append(current)
    return lines


def make_zh_pdf(path: Path, font: tuple[str, int]) -> None:
    FPDF = _fpdf()
    font_path, font_index = font

    class ZhPDF(FPDF):
        def header(self):
            self.set_font("cjk", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, "港湾物流有限公司  员工考勤与休假管理办法（HLL-HR-012）", new_x="LMARGIN", new_y="NEXT")
            self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
            self.ln(6)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-15)
            self.set_font("cjk", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"第 {self.page_no()} 页  共 {{nb}} 页", align="C")

    pdf = ZhPDF(format="A4")
    pdf.add_font("cjk", "", font_path, collection_font_number=font_index)
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=22)
    _pdf_metadata(pdf, "员工考勤与休假管理办法", f"{COMPANY_ZH} 人力资源部")
    pdf.add_page()

    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, "员工考勤与休假管理办法", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9.5)
    pdf.cell(0, 6, "文件编号：HLL-HR-012    版本：2.0    发布部门：人力资源部    施行日期：2025年1月1日",
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)

    for heading, body in ZH_POLICY:
        if pdf.get_y() > pdf.h - 55:
            pdf.add_page()
        pdf.set_font("cjk", size=13)
        pdf.cell(0, 9, heading, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font("cjk", size=11)
        for para in body:
            for line in wrap_cjk(pdf, para, pdf.w - pdf.l_margin - pdf.r_margin):
                pdf.cell(0, 6.6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.6)
        pdf.ln(2)
    pdf.output(str(path))


# ---------------------------------------------------------------------------------------------
# 3. DOCX: 信息安全管理制度 (zh) and IT Acceptable Use and Security Handbook (en)
# ---------------------------------------------------------------------------------------------

ZH_DATA_CLASSES = [
    ("级别", "定义", "示例", "存储与传输要求"),
    ("公开", "经批准可以对外发布的信息", "公司官网内容、招聘启事、已发布的新闻稿", "无特殊要求"),
    ("内部", "仅限公司员工知悉的一般业务信息", "内部通知、组织架构图、培训资料", "存放于公司网盘，不得发布到互联网"),
    ("机密", "泄露后会对公司或客户造成损害的信息", "客户合同、运价协议、员工薪酬数据",
     "加密存储，按需授权访问；对外传输须使用加密附件，禁止发送至个人邮箱"),
    ("绝密", "泄露后会造成严重损害的核心信息", "并购计划、未公开财务报告、系统管理员密码",
     "仅限指定人员访问，存放于加密专用存储区，禁止通过邮件或即时通讯工具传输"),
]

EN_CONTACTS = [
    ("Service", "Contact", "Hours"),
    ("IT Service Desk", "extension 8100, itdesk@harborlane.example", "Monday to Friday, 08:00-20:00"),
    ("Information Security", "extension 8110, security@harborlane.example", "24 hours, 7 days a week"),
    ("Password self-service", "https://password.harborlane.example", "24 hours, 7 days a week"),
    ("Lost or stolen device", "extension 8110 (24-hour line)", "24 hours, 7 days a week"),
]


def _docx_base(title: str, header_text: str, east_asian_font: str | None):
    _require("docx", "python-docx")
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    if east_asian_font:
        for style_name in ("Normal", "Title", "Heading 1", "Heading 2"):
            rpr = doc.styles[style_name].element.get_or_add_rPr()
            rfonts = rpr.find(qn("w:rFonts"))
            if rfonts is None:
                rfonts = rpr.makeelement(qn("w:rFonts"), {})
                rpr.append(rfonts)
            rfonts.set(qn("w:eastAsia"), east_asian_font)
    props = doc.core_properties
    props.title = title
    props.author = COMPANY_EN
    props.last_modified_by = COMPANY_EN
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    doc.sections[0].header.paragraphs[0].text = header_text
    return doc


def _docx_table(doc, rows, widths_cm=None):
    from docx.shared import Cm

    table = doc.add_table(rows=0, cols=len(rows[0]))
    table.style = "Table Grid"
    for i, values in enumerate(rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.text = value
            if i == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    if widths_cm:
        for row in table.rows:
            for cell, width in zip(row.cells, widths_cm):
                cell.width = Cm(width)
    # mark the first row as a header row repeated on each page
    from docx.oxml.ns import qn

    trpr = table.rows[0]._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))
    return table


def make_zh_docx(path: Path) -> None:
    doc = _docx_base("信息安全管理制度", "港湾物流有限公司  内部资料  HLL-IT-003", "宋体")
    doc.add_paragraph("信息安全管理制度", style="Title")
    doc.add_paragraph("文件编号：HLL-IT-003　　版本：1.3　　发布部门：信息技术部　　施行日期：2025年3月1日")

    doc.add_heading("第一章 总则", level=1)
    doc.add_paragraph(
        "第一条 为保护港湾物流有限公司（以下简称“公司”）及客户的信息资产，防范信息泄露、篡改和丢失，保障业务系统"
        "安全稳定运行，根据《中华人民共和国网络安全法》《中华人民共和国数据安全法》等法律法规，制定本制度。")
    doc.add_paragraph(
        "第二条 本制度适用于公司全体员工、外包人员以及因业务需要访问公司信息系统的第三方人员。信息技术部负责本制度"
        "的组织实施，信息安全部负责监督检查和安全事件的调查处理。")

    doc.add_heading("第二章 账号与密码管理", level=1)
    doc.add_heading("一、账号管理", level=2)
    doc.add_paragraph(
        "第三条 公司信息系统实行实名账号管理，一人一号，严禁多人共用账号或者将本人账号借给他人使用。员工入职时由"
        "信息技术部根据岗位开通账号和权限；岗位调整时，原有权限应当在调岗后3个工作日内回收；员工离职的，其全部账号"
        "应当在离职当日停用。")
    doc.add_heading("二、密码要求", level=2)
    doc.add_paragraph(
        "第四条 用户密码长度不得少于12位，且应当包含大写字母、小写字母、数字和特殊字符中的至少三类。密码每90天至少"
        "更换一次，新密码不得与最近5次使用过的密码相同。连续输错密码5次的，账号将被自动锁定30分钟；如需立即解锁，"
        "可以通过密码自助服务平台或者致电IT服务台（分机8100）办理。")
    doc.add_paragraph(
        "第五条 访问邮箱、VPN及财务系统时必须启用双因素认证。员工不得将密码写在便签、记事本或者未加密的电子文件中，"
        "也不得通过邮件或即时通讯工具发送密码。")

    doc.add_heading("第三章 数据分类分级", level=1)
    doc.add_paragraph(
        "第六条 公司数据按照敏感程度分为公开、内部、机密和绝密四个级别。数据的所有者负责确定数据级别，无法确定的，"
        "按照较高级别管理。各级别的定义和保护要求见下表。")
    _docx_table(doc, ZH_DATA_CLASSES, widths_cm=(2.0, 4.5, 4.5, 5.5))
    doc.add_paragraph(
        "第七条 机密级及以上数据对外提供的，须经数据所有者所在部门负责人和信息安全部共同审批，并与接收方签订保密协议。")

    doc.add_heading("第四章 终端与网络安全", level=1)
    doc.add_paragraph(
        "第八条 公司配发的电脑应当安装统一的防病毒软件并启用全盘加密，员工不得自行卸载或者关闭。电脑无操作5分钟后"
        "自动锁屏，员工离开座位时应当立即手动锁屏。")
    doc.add_paragraph(
        "第九条 公司电脑默认禁用USB存储设备，禁止使用个人U盘拷贝公司数据。确因工作需要的，经部门负责人批准后，"
        "由信息技术部提供加密U盘并登记使用。")
    doc.add_paragraph(
        "第十条 在公司以外访问内部系统的，必须通过公司VPN连接。禁止在公共Wi-Fi环境下未经VPN直接访问公司系统，"
        "禁止私自架设无线接入点或者将公司网络接入其他网络。")

    doc.add_heading("第五章 安全事件报告", level=1)
    doc.add_paragraph(
        "第十一条 员工发现病毒感染、钓鱼邮件、账号被盗用、设备丢失或者数据泄露等信息安全事件时，应当按照以下步骤处理：")
    for step in (
        "立即停止可疑操作，必要时断开电脑的网络连接，但不要关机；",
        "在发现后1小时内向信息安全部报告（分机8110，邮箱security@harborlane.example），说明发现时间、现象和影响范围；",
        "保留可疑邮件、截图、日志等相关证据，不得自行删除或者转发可疑邮件；",
        "配合信息安全部开展调查和处置，事件处理完毕前不得对外透露事件信息。",
    ):
        doc.add_paragraph(step, style="List Number")
    doc.add_paragraph("第十二条 信息安全部应当在接报后24小时内完成初步评估，重大事件须立即报告公司总经理。")

    doc.add_heading("第六章 奖惩与附则", level=1)
    doc.add_paragraph(
        "第十三条 违反本制度的，首次给予书面警告；再次违反或者造成数据泄露、经济损失的，按照《员工奖惩管理规定》"
        "给予相应处分，直至解除劳动合同；构成违法犯罪的，依法移送有关机关处理。")
    doc.add_paragraph("第十四条 本制度由信息技术部负责解释，自2025年3月1日起施行。")
    _save_docx(doc, path)


def make_en_docx(path: Path) -> None:
    doc = _docx_base("IT Acceptable Use and Security Handbook",
                     "Harbor Lane Logistics Ltd.  |  Internal  |  HLL-IT-004", None)
    doc.add_paragraph("IT Acceptable Use and Security Handbook", style="Title")
    doc.add_paragraph("Document HLL-IT-004, version 2.1. Owner: Information Technology. Effective 1 March 2025. "
                      "This handbook is the English companion of the Chinese policy 信息安全管理制度 (HLL-IT-003); "
                      "where the two differ, HLL-IT-003 prevails for employees of the China entity.")

    doc.add_heading("1 Introduction", level=1)
    doc.add_paragraph(
        "This handbook explains how employees, contractors and visitors may use the computers, networks, "
        "accounts and data of Harbor Lane Logistics Ltd. It applies on Company premises, at home and while "
        "travelling. Breaking these rules may lead to disciplinary action, starting with a written warning.")

    doc.add_heading("2 Accounts and Passwords", level=1)
    doc.add_heading("2.1 Personal accounts", level=2)
    doc.add_paragraph(
        "Every user has a personal account. Accounts must never be shared, and nobody from IT will ever ask "
        "for your password. Access rights that are no longer needed after a change of role are removed "
        "within 3 business days, and all accounts of a leaver are disabled on their last working day.")
    doc.add_heading("2.2 Password rules", level=2)
    doc.add_paragraph(
        "Passwords must be at least 12 characters long and contain at least three of the four character "
        "types: upper-case letters, lower-case letters, digits and special characters. Passwords are changed "
        "at least every 90 days and may not repeat any of the last 5 passwords. After 5 failed sign-in "
        "attempts an account is locked for 30 minutes; to unlock it sooner, use the password self-service "
        "portal or call the IT Service Desk.")
    doc.add_heading("2.3 Multi-factor authentication", level=2)
    doc.add_paragraph(
        "Multi-factor authentication (MFA) is mandatory for e-mail, VPN and the finance systems. Approve an "
        "MFA prompt only when you have just started the sign-in yourself; report unexpected prompts to "
        "Information Security.")

    doc.add_heading("3 Devices", level=1)
    doc.add_heading("3.1 Company laptops", level=2)
    doc.add_paragraph(
        "Company laptops are encrypted and run the standard anti-virus software, which must not be disabled. "
        "Screens lock automatically after 5 minutes of inactivity; lock your screen whenever you leave your "
        "desk. Laptops must never be left unattended in a car or checked in as hold luggage.")
    doc.add_heading("3.2 Personal devices", level=2)
    doc.add_paragraph(
        "Personal phones and tablets may be used for Company e-mail and chat only through the managed "
        "Company Portal apps. Company data must not be stored in personal cloud storage.")
    doc.add_heading("3.3 Removable media", level=2)
    doc.add_paragraph(
        "USB storage devices are blocked on Company computers. Where a business need exists, the department "
        "head may request an encrypted USB drive from IT, which is registered to the employee.")

    doc.add_heading("4 Software and Internet Use", level=1)
    doc.add_paragraph(
        "Install software only from the Company Portal catalogue. Requests for other software are raised with "
        "the IT Service Desk and are normally decided within 5 business days after a security review. "
        "Limited personal use of the internet is allowed during breaks, provided it does not affect work, "
        "network capacity or the Company's reputation. Remote access to internal systems is only through "
        "the Company VPN, never directly over public Wi-Fi.")

    doc.add_heading("5 E-mail and Data Handling", level=1)
    doc.add_paragraph(
        "Company data is classified as Public, Internal, Confidential or Secret (see HLL-IT-003, chapter 3). "
        "Confidential and Secret data must never be sent to personal e-mail addresses; Confidential files sent "
        "outside the Company must be encrypted, and Secret data is never sent by e-mail or chat. Use the "
        "\"Report Phish\" button in the mail client for suspicious messages instead of forwarding them.")

    doc.add_heading("6 Reporting Security Incidents", level=1)
    doc.add_paragraph(
        "Security incidents include malware infections, phishing, misuse of an account, lost or stolen devices "
        "and any loss of Company or customer data. If you notice one:")
    for step in (
        "Stop what you are doing and, if malware is suspected, disconnect the device from the network "
        "without switching it off.",
        "Report the incident to Information Security within 1 hour of noticing it (extension 8110 or "
        "security@harborlane.example), saying when it happened, what you saw and what may be affected.",
        "Keep the evidence: do not delete or forward suspicious e-mails, and take screenshots where useful.",
        "Follow the instructions of Information Security and do not discuss the incident outside the "
        "Company until it is closed.",
    ):
        doc.add_paragraph(step, style="List Number")
    doc.add_paragraph(
        "Information Security completes an initial assessment within 24 hours. A lost or stolen laptop or "
        "phone is remotely wiped as soon as it is reported.")

    doc.add_heading("7 Support Contacts", level=1)
    doc.add_paragraph("Use the following contacts for help with IT and security matters:")
    _docx_table(doc, EN_CONTACTS, widths_cm=(4.0, 6.5, 5.5))
    _save_docx(doc, path)


def _save_docx(doc, path: Path) -> None:
    buf = io.BytesIO()
    doc.save(buf)
    path.write_bytes(_normalise_ooxml(buf.getvalue()))


def _normalise_ooxml(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed timestamps (entries and core properties) so reruns are identical."""
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = blob.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
                blob = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, blob)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# 4. XLSX: travel rates, two sheets
# ---------------------------------------------------------------------------------------------

ZH_ALLOWANCES = [
    # 城市级别, 适用城市, 职级, 住宿, 伙食, 交通
    ("一类城市", "北京、上海、广州、深圳", "普通员工", 600, 120, 80),
    ("一类城市", "北京、上海、广州、深圳", "经理及以上", 800, 150, 100),
    ("二类城市", "省会城市及计划单列市", "普通员工", 450, 100, 60),
    ("二类城市", "省会城市及计划单列市", "经理及以上", 600, 120, 80),
    ("三类城市", "其他城市", "普通员工", 350, 80, 50),
    ("三类城市", "其他城市", "经理及以上", 450, 100, 60),
]


def make_xlsx(path: Path) -> None:
    _require("openpyxl", "openpyxl")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    effective = dt.date(2025, 1, 1)
    wb = Workbook()
    wb.properties.creator = "Harbor Lane Logistics Ltd. - Finance Department"
    wb.properties.title = "Travel rates 2025"
    wb.properties.created = FIXED_DATE.replace(tzinfo=None)
    wb.properties.modified = FIXED_DATE.replace(tzinfo=None)

    ws = wb.active
    ws.title = "Per diem"
    ws["A1"] = "Daily allowance by city tier, effective 2025-01-01"
    ws["A1"].font = Font(bold=True, size=13)
    header = ["City tier", "Cities", "Lodging cap (USD)", "Meals (USD)", "Incidentals (USD)",
              "Total daily maximum (USD)", "Effective from"]
    ws.append(header)
    for tier, cities, lodging, meals, inc in PER_DIEM:
        ws.append([tier, cities, lodging, meals, inc, lodging + meals + inc, effective])
    ws.append([])
    ws.append(["Note: on the first and last day of a trip the meals allowance is paid at 75%. "
               "Source: Travel and Expense Policy HLL-FIN-007, section 5."])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=3, max_row=2 + len(PER_DIEM), min_col=7, max_col=7):
        row[0].number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFG", (10, 52, 18, 13, 18, 25, 15)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"

    zh = wb.create_sheet("差旅补贴标准")
    zh["A1"] = "港湾物流有限公司国内差旅补贴标准（2025年版）"
    zh.merge_cells("A1:G1")
    zh["A1"].font = Font(bold=True, size=13)
    zh["A1"].alignment = Alignment(horizontal="center")
    zh.append(["城市级别", "适用城市", "职级", "住宿标准(元/晚)", "伙食补贴(元/天)", "交通补贴(元/天)", "生效日期"])
    for cell in zh[2]:
        cell.font = Font(bold=True)
    for level, cities, grade, lodging, meals, transport in ZH_ALLOWANCES:
        zh.append([level, cities, grade, lodging, meals, transport, effective])
    first = 3
    for i in range(first, first + len(ZH_ALLOWANCES), 2):  # merge the two grade rows of each city level
        zh.merge_cells(f"A{i}:A{i + 1}")
        zh.merge_cells(f"B{i}:B{i + 1}")
        zh[f"A{i}"].alignment = Alignment(vertical="center")
        zh[f"B{i}"].alignment = Alignment(vertical="center")
    for row in zh.iter_rows(min_row=first, max_row=first + len(ZH_ALLOWANCES) - 1, min_col=7, max_col=7):
        row[0].number_format = "yyyy-mm-dd"
    zh.append([])
    zh.append(["说明：住宿费凭发票在标准内据实报销；伙食补贴和交通补贴按出差自然天数包干发放。"])
    for col, width in zip("ABCDEFG", (11, 24, 12, 16, 16, 16, 13)):
        zh.column_dimensions[col].width = width

    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_normalise_ooxml(buf.getvalue()))


# ---------------------------------------------------------------------------------------------
# 5. Markdown FAQ
# ---------------------------------------------------------------------------------------------

FAQ_TEXT = """\
# Employee FAQ: Travel, Expenses and IT

Harbor Lane Logistics Ltd. - answers to the questions the Service Desk and Finance hear most often.
The policies themselves always prevail over this FAQ.

## Travel

### How far ahead should I book a flight?

Book through TravelDesk at least 14 days before departure where possible, after your trip has been
approved in the TravelDesk portal. Trips requested less than 7 days before departure need a late
booking reason (Travel and Expense Policy HLL-FIN-007, sections 3 and 4).

### Can I fly business class?

Only on flights scheduled for more than 9 hours, and only with your department head's approval.
Flights of 6 to 9 hours are booked in premium economy, shorter flights in economy.

### Where do I find the daily allowance for my destination?

In the workbook travel_rates_2025.xlsx: sheet "Per diem" for the USD rates by city tier, sheet
"差旅补贴标准" for domestic travel in mainland China (CNY, by city level and job grade).

## Expenses

### I lost a receipt. What now?

Fill in a Missing Receipt Declaration and have your line manager sign it. You can do this at most
twice per calendar year. Receipts are required for every expense of USD 25 or more.

### When will I be paid back?

Within 10 business days after your claim is approved. Submit claims within 30 days of the end of the
trip; claims older than 90 days are not paid without a written CFO exception.

## IT

### I locked myself out of my account.

After 5 failed sign-in attempts an account is locked for 30 minutes. Use the password self-service
portal (https://password.harborlane.example) or call the IT Service Desk on extension 8100.

### My laptop was stolen on a business trip.

Call Information Security on extension 8110 (24 hours) at once, and in any case within 1 hour. The
laptop is wiped remotely. Then report the theft to the local police and keep the report number.
"""


# ---------------------------------------------------------------------------------------------
# 6. Sample questions (PDF page numbers are located in the generated files, never hard-coded)
# ---------------------------------------------------------------------------------------------

# Each source may carry "locate": a phrase that must be found on exactly one page of the PDF; its page
# becomes the gold page. The phrase itself is not written out.
SAMPLE_QUESTIONS = [
    {"id": "samples-en-001", "lang": "en",
     "question": "What is the daily meals allowance when I travel to London?",
     "gold_answer": "London is a Tier 1 city: the meals per diem is USD 85 per day (75% on the first and last day).",
     "gold_answers": [["85"]],
     "gold_sources": [{"doc": XLSX, "sheet": "Per diem"},
                      {"doc": PDF_EN, "locate": "Tier 1 New York, London"}]},
    {"id": "samples-en-002", "lang": "en",
     "question": "Who has to approve a business trip that is estimated to cost USD 6,000?",
     "gold_answer": "The head of the traveller's department (trips over USD 2,500 and up to USD 10,000).",
     "gold_answers": [["department head"], ["head of the traveller's department"],
                      ["head of the department"]],
     "gold_sources": [{"doc": PDF_EN, "locate": "more than USD 2,500 and up to USD 10,000"}]},
    {"id": "samples-en-003", "lang": "en",
     "question": "Which class can I book for a 7 hour flight?",
     "gold_answer": "Premium economy (flights of 6 hours up to 9 hours).",
     "gold_answers": [["premium economy"]],
     "gold_sources": [{"doc": PDF_EN, "locate": "6 hours up to 9 hours: premium economy"}]},
    {"id": "samples-en-004", "lang": "en",
     "question": "whats the deadline for submiting an expense claim after a trip?",
     "gold_answer": "Within 30 calendar days after the end of the trip; claims more than 90 days late are not "
                    "reimbursed without a CFO exception.",
     "gold_answers": [["30"]],
     "gold_sources": [{"doc": PDF_EN, "locate": "within 30 calendar days after the end"}]},
    {"id": "samples-en-005", "lang": "en",
     "question": "How much is the mileage rate if I drive my own car on a business trip?",
     "gold_answer": "USD 0.62 per mile, covering fuel, wear and insurance; tolls and parking are claimed separately.",
     "gold_answers": [["0.62"]],
     "gold_sources": [{"doc": PDF_EN, "locate": "USD 0.62 per mile"}]},
    {"id": "samples-en-006", "lang": "en",
     "question": "What is the limit per person for a client dinner?",
     "gold_answer": "USD 75 per person including tax and tip; more needs prior department head approval.",
     "gold_answers": [["75"]],
     "gold_sources": [{"doc": PDF_EN, "locate": "up to USD 75 per person"}]},
    {"id": "samples-en-007", "lang": "en",
     "question": "How many failed sign-in attempts lock my account, and for how long?",
     "gold_answer": "After 5 failed attempts the account is locked for 30 minutes.",
     "gold_answers": [["5", "30 minutes"], ["five", "30 minutes"]],
     "gold_sources": [{"doc": DOCX_EN, "section": "2 Accounts and Passwords > 2.2 Password rules"},
                      {"doc": FAQ}]},
    {"id": "samples-en-008", "lang": "en",
     "question": "How quickly must I report a security incident, and to whom?",
     "gold_answer": "Within 1 hour, to Information Security (extension 8110 or security@harborlane.example).",
     "gold_answers": [["1 hour", "8110"], ["one hour", "8110"], ["1 hour", "security@harborlane.example"]],
     "gold_sources": [{"doc": DOCX_EN, "section": "6 Reporting Security Incidents"}]},
    {"id": "samples-en-009", "lang": "en",
     "question": "What are the opening hours of the IT Service Desk?",
     "gold_answer": "Monday to Friday, 08:00-20:00 (extension 8100).",
     "gold_answers": [["Monday to Friday", "08:00", "20:00"]],
     "gold_sources": [{"doc": DOCX_EN, "section": "7 Support Contacts"}]},
    {"id": "samples-en-010", "lang": "en",
     "question": "What is the lodging cap per night in a Tier 3 city?",
     "gold_answer": "USD 160 per night.",
     "gold_answers": [["160"]],
     "gold_sources": [{"doc": XLSX, "sheet": "Per diem"},
                      {"doc": PDF_EN, "locate": "Tier 3 All other cities"}]},
    {"id": "samples-zh-001", "lang": "zh",
     "question": "工作满12年的员工每年有几天年假？",
     "gold_answer": "累计工作已满10年不满20年的，年假10天。",
     "gold_answers": [["10天"], ["十天"]],
     "gold_sources": [{"doc": PDF_ZH, "locate": "已满10年不满20年的，年假10天"}]},
    {"id": "samples-zh-002", "lang": "zh",
     "question": "上班迟到30分钟扣多少钱？",
     "gold_answer": "迟到超过15分钟、不超过60分钟的，每次扣款100元。",
     "gold_answers": [["100元"], ["100"]],
     "gold_sources": [{"doc": PDF_ZH, "locate": "不超过60分钟的，每次扣款100元"}]},
    {"id": "samples-zh-003", "lang": "zh",
     "question": "周末加班如果不能安排补休，加班工资怎么算？",
     "gold_answer": "休息日加班不能安排补休的，按不低于本人小时工资的200%支付加班工资。",
     "gold_answers": [["200%"]],
     "gold_sources": [{"doc": PDF_ZH, "locate": "不能安排补休的，按不低于本人小时工资的200%"}]},
    {"id": "samples-zh-004", "lang": "zh",
     "question": "请病假期间工资怎么发？",
     "gold_answer": "每个日历年度累计病假5天以内（含5天）全额发放基本工资；超过5天的部分按本人基本工资的80%支付，"
                    "且不低于当地最低工资标准的80%。",
     "gold_answers": [["5天", "80%"]],
     "gold_sources": [{"doc": PDF_ZH, "locate": "按本人基本工资的80%支付病假工资"}]},
    {"id": "samples-zh-005", "lang": "zh",
     "question": "请假8天需要谁审批？",
     "gold_answer": "请假3天以上、10天以内的，由部门经理审核后报部门总监审批。",
     "gold_answers": [["部门总监"]],
     "gold_sources": [{"doc": PDF_ZH, "locate": "由部门经理审核后报部门总监审批"}]},
    {"id": "samples-zh-006", "lang": "zh",
     "question": "经理去上海出差，住宿标准是每晚多少钱？",
     "gold_answer": "上海属于一类城市，经理及以上住宿标准为每晚800元。",
     "gold_answers": [["800"]],
     "gold_sources": [{"doc": XLSX, "sheet": "差旅补贴标准"}]},
    {"id": "samples-zh-007", "lang": "zh",
     "question": "公司对电脑密码有什么要求？多久要换一次？",
     "gold_answer": "密码不少于12位，包含大写字母、小写字母、数字和特殊字符中的至少三类，每90天至少更换一次，"
                    "不得与最近5次密码相同。",
     "gold_answers": [["12位", "90天"]],
     "gold_sources": [{"doc": DOCX_ZH, "section": "第二章 账号与密码管理 > 二、密码要求"}]},
    {"id": "samples-zh-008", "lang": "zh",
     "question": "客户合同属于哪个数据级别？能不能发到个人邮箱？",
     "gold_answer": "客户合同属于机密级数据，须加密存储，禁止发送至个人邮箱。",
     "gold_answers": [["机密", "禁止"]],
     "gold_sources": [{"doc": DOCX_ZH, "section": "第三章 数据分类分级"}]},
    {"id": "samples-en-011", "lang": "en",
     "question": "How much annual bonus do warehouse staff get?",
     "gold_answer": None, "should_answer": False, "gold_sources": []},
    {"id": "samples-zh-009", "lang": "zh",
     "question": "公司住房公积金的缴存比例是多少？",
     "gold_answer": None, "should_answer": False, "gold_sources": []},
]


def build_questions(samples: Path) -> list[dict]:
    pages = {name: _pdf_pages(samples / name) for name in (PDF_EN, PDF_ZH) if (samples / name).exists()}
    out = []
    for q in SAMPLE_QUESTIONS:
        q = json.loads(json.dumps(q))  # deep copy
        for src in q["gold_sources"]:
            phrase = src.pop("locate", None)
            if phrase is not None:
                if src["doc"] not in pages:
                    raise SystemExit(f"make_samples: {src['doc']} missing, cannot place question {q['id']}")
                hits = [i + 1 for i, text in enumerate(pages[src["doc"]]) if _squash(phrase) in _squash(text)]
                if len(hits) != 1:
                    raise SystemExit(f"make_samples: {q['id']}: phrase {phrase!r} found on pages {hits} "
                                     f"of {src['doc']} (need exactly one)")
                src["page"] = hits[0]
            src["doc"] = "samples/" + src["doc"]
        ordered = {k: q[k] for k in ("id", "question", "gold_answer") if k in q}
        if "gold_answers" in q:
            ordered["gold_answers"] = q["gold_answers"]
        if "should_answer" in q:
            ordered["should_answer"] = q["should_answer"]
        ordered["gold_sources"] = q["gold_sources"]
        ordered["lang"] = q["lang"]
        out.append(ordered)
    return out


# ---------------------------------------------------------------------------------------------
# Verification of the generated PDFs (text layer extracts as written)
# ---------------------------------------------------------------------------------------------

def _squash(text: str) -> str:
    """Drop all whitespace (pypdf line breaks, and fpdf2 wraps CJK lines anywhere)."""
    return re.sub(r"\s+", "", text)


def _pdf_pages(path: Path) -> list[str]:
    """Text of each page as pypdf extracts it, with line-end hyphenation undone (the generated text
    never has a hard hyphen at the end of a line)."""
    _require("pypdf", "pypdf")
    from pypdf import PdfReader

    pages = [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    return [re.sub(r"(?<=[A-Za-z])-\n(?=[a-z])", "", text) for text in pages]


def verify_pdf(path: Path, paragraphs: list[str]) -> int:
    """Every generated paragraph must come back from pypdf intact apart from line breaks. Returns pages."""
    pages = _pdf_pages(path)
    # drop each page's running header (first line) and footer (last line): paragraphs cross pages
    whole = _squash("".join("\n".join(text.splitlines()[1:-1]) for text in pages))
    missing = [p for p in paragraphs if _squash(p) not in whole]
    if missing:
        raise SystemExit(f"make_samples: {path.name}: {len(missing)} paragraph(s) not extracted intact, "
                         f"first: {missing[0][:60]!r}")
    return len(pages)


def _write_verified(path: Path, make, paragraphs: list[str]) -> int:
    tmp = path.with_name(path.stem + ".tmp.pdf")
    try:
        make(tmp)
        pages = verify_pdf(tmp, paragraphs)
        tmp.replace(path)
        return pages
    finally:
        tmp.unlink(missing_ok=True)


def _paragraphs(policy) -> list[str]:
    out = []
    for heading, body in policy:
        out.append(heading)
        for item in body:
            if isinstance(item, str):
                out.append(item)
            elif item[0] == "list":
                out.extend(item[1])
    return out


# ---------------------------------------------------------------------------------------------

def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    status = 0

    n = _write_verified(OUT / PDF_EN, make_en_pdf, _paragraphs(EN_POLICY))
    print(f"wrote {OUT / PDF_EN} ({n} pages, text verified)")

    font = find_cjk_font()
    if font is None:
        print("make_samples: NO CJK FONT FOUND - skipped the Chinese PDF "
              f"{PDF_ZH}. Install a CJK TrueType font (Debian/Ubuntu: apt-get install fonts-wqy-microhei) "
              "or set DOCQA_CJK_FONT=/path/to/font.ttf (or .ttc), then rerun. The committed copy of the "
              "PDF is unchanged.", file=sys.stderr)
        status = 1
    else:
        n = _write_verified(OUT / PDF_ZH, lambda p: make_zh_pdf(p, font), _paragraphs(ZH_POLICY))
        print(f"wrote {OUT / PDF_ZH} ({n} pages, font {font[0]}, text verified)")

    make_zh_docx(OUT / DOCX_ZH)
    print(f"wrote {OUT / DOCX_ZH}")
    make_en_docx(OUT / DOCX_EN)
    print(f"wrote {OUT / DOCX_EN}")
    make_xlsx(OUT / XLSX)
    print(f"wrote {OUT / XLSX}")
    (OUT / FAQ).write_text(FAQ_TEXT, encoding="utf-8")
    print(f"wrote {OUT / FAQ}")

    questions = build_questions(OUT)
    with QUESTIONS.open("w", encoding="utf-8") as fh:
        for q in questions:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"wrote {QUESTIONS} ({len(questions)} questions)")
    return status


if __name__ == "__main__":
    sys.exit(main())
