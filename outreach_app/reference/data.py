"""The reference rows as the application ships them; the migrations seed the same rows (0001
the topics and first groups, 0014 the event kinds and the groups added with them)."""

TOPIC_CATEGORIES = ("rights", "fraud", "digital", "rules", "complaints")

# (code, name_zh, name_en, min_staff, private_venue), in their order
EVENT_KINDS: list[tuple[str, str, str, int, bool]] = [
    ("village", "进乡村", "Village", 1, False),
    ("community", "进社区", "Community", 1, False),
    ("campus", "进校园", "Campus", 1, False),
    ("enterprise", "进企业", "Enterprise", 1, False),
    ("business_area", "进商圈", "Business district", 1, False),
    ("home_visit", "上门服务", "Home visit", 2, True),
    ("branch", "网点内", "In branch", 1, False),
]

# (code, name_zh, name_en), in their order
TARGET_GROUPS: list[tuple[str, str, str]] = [
    ("seniors", "老年人", "Seniors"),
    ("youth", "青少年/学生", "Youth and students"),
    ("disabled", "残障人士", "People with disabilities"),
    ("ethnic_minority", "少数民族居民", "Ethnic-minority residents"),
    ("rural", "农村居民", "Rural residents"),
    ("new_urban", "新市民", "New urban residents"),
    ("migrant_worker", "务工人员", "Migrant workers"),
    ("foreign_resident", "外籍人士", "Foreign residents"),
    ("general", "社会公众", "General public"),
]

# (code, category, name_zh, name_en)
TOPICS: list[tuple[str, str, str, str]] = [
    ("right_property", "rights", "财产安全权", "Right to the safety of property"),
    ("right_information", "rights", "知情权", "Right to be informed"),
    ("right_choice", "rights", "自主选择权", "Right to choose freely"),
    ("right_fair_trade", "rights", "公平交易权", "Right to fair dealing"),
    ("right_redress", "rights", "依法求偿权", "Right to seek compensation"),
    ("right_education", "rights", "受教育权", "Right to financial education"),
    ("right_respect", "rights", "受尊重权", "Right to respect"),
    ("right_data", "rights", "信息安全权", "Right to the security of personal information"),
    ("fraud_pension", "fraud", "养老诈骗", "Pension and elderly-care scams"),
    ("fraud_fake_service", "fraud", "冒充客服诈骗", "Fake customer-service scams"),
    ("fraud_telecom", "fraud", "电信网络诈骗", "Telecom and online fraud"),
    ("fraud_click_farming", "fraud", "刷单返利诈骗", "Click-farming refund scams"),
    ("fraud_campus_loan", "fraud", "校园贷诈骗", "Campus-loan scams"),
    ("fraud_illegal_fundraising", "fraud", "非法集资", "Illegal fundraising"),
    ("digital_mobile_banking", "digital", "手机银行安全使用", "Using mobile banking safely"),
    ("digital_atm", "digital", "ATM与智能柜员机", "ATMs and smart teller machines"),
    ("rules_risk_account", "rules", "风险账户管控", "Risk-account controls"),
    ("rules_aml", "rules", "反洗钱", "Anti-money laundering"),
    ("complaint_channels", "complaints", "投诉渠道与流程", "Complaint channels and procedure"),
]
