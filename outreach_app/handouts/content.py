"""The shipped handout texts and quiz questions, in Simplified Chinese and English.

Plain data, nearly all of it text (the classes it is written in are in ``text``): the content
library starts from these texts, the attendee page shows their tips and asks three quiz
questions on the handout's topic. Topic and target-group codes are those of
``outreach_app.reference.data``. ``hotline_note`` carries a ``{bank_hotline}`` placeholder to be
filled in from configuration with ``str.format``; no other field contains braces.

The Chinese text is primary (plain words, short sentences for ordinary residents); the English
says the same for foreign residents in natural English, not word for word.
"""

from __future__ import annotations

from outreach_app.handouts.text import QuizQuestion, ShippedHandout

# Shared lines -----------------------------------------------------------------------------------

NEVER_ASK_ZH = (
    "本行工作人员绝不会向您索要银行卡密码、短信验证码，不会打电话、发短信让您转账，"
    "更没有所谓的“安全账户”。"
)
NEVER_ASK_EN = (
    "Our staff will never ask for your card password or SMS verification code, and will never "
    'call or text you to transfer money. There is no such thing as a "safe account".'
)
HOTLINE_ZH = "全国反诈专线 96110（咨询、举报）；本行客服 {bank_hotline}"
HOTLINE_EN = "National anti-fraud hotline 96110 (advice and reports); our bank: {bank_hotline}"

#: For the attendee page, which people reach by scanning a code: do not tell them never to scan.
QR_NOTE: dict[str, str] = {
    "zh_CN": "只扫银行工作人员当面发放的材料上的二维码。本页面从不向您要钱、密码或验证码。",
    "en": (
        "Only scan codes on materials handed to you in person by bank staff. "
        "This page never asks for money, passwords or codes."
    ),
}

#: General tips, e.g. for the page of a withdrawn or unknown handout code.
GENERAL_TIPS: dict[str, tuple[str, ...]] = {
    "zh_CN": (
        "陌生来电谈到钱，先挂断，再通过官方电话核实。",
        "不告诉任何人密码和短信验证码，不给陌生人转账。",
        "公检法不会要您转账，根本没有“安全账户”。",
        "刷单返利、保本高息、注销校园贷，都是诈骗。",
        "下载“国家反诈中心”App，拿不准就拨打96110咨询。",
    ),
    "en": (
        "If a stranger calls about money, hang up and check through an official number.",
        "Never tell anyone your password or SMS code, and never transfer money to strangers.",
        'Police never ask you to transfer money. There is no such thing as a "safe account".',
        'Paid click-farming tasks, "guaranteed high returns" and '
        '"cancel your campus loan" calls are all scams.',
        "Install the National Anti-Fraud Center app (国家反诈中心). Not sure? Call 96110.",
    ),
}


def _pair(
    code: str, topic_code: str, group: str | None, zh: dict, en: dict
) -> tuple[ShippedHandout, ShippedHandout]:
    """The zh_CN and en versions of one handout, sharing code, topic and target group."""
    return (
        ShippedHandout(
            code=code,
            topic_code=topic_code,
            target_group_code=group,
            language="zh_CN",
            title=zh["title"],
            lead=zh["lead"],
            tips=tuple(zh["tips"]),
            never_ask=zh.get("never_ask", NEVER_ASK_ZH),
            hotline_note=HOTLINE_ZH,
        ),
        ShippedHandout(
            code=code,
            topic_code=topic_code,
            target_group_code=group,
            language="en",
            title=en["title"],
            lead=en["lead"],
            tips=tuple(en["tips"]),
            never_ask=en.get("never_ask", NEVER_ASK_EN),
            hotline_note=HOTLINE_EN,
        ),
    )


# Handouts ---------------------------------------------------------------------------------------

_PENSION = _pair(
    "pension-scams",
    "fraud_pension",
    "seniors",
    zh={
        "title": "守好养老钱，谨防养老诈骗",
        "lead": "有人打着“养老”“保健”的旗号，先送小礼品、办免费讲座，"
        "再骗您买高价产品或拿钱“投资”。养老钱来之不易，请多留个心眼。",
        "tips": [
            "免费讲座、免费旅游、送鸡蛋送礼品，往往是推销的开始，别贪小便宜。",
            "保健品不是药，不能治病。说能“包治百病”的，都是骗人的。",
            "承诺高回报的养老项目、“养老床位”投资，风险很大，不要轻信。",
            "有人劝您把房子抵押出去买理财，小心“以房养老”骗局，房子可能保不住。",
            "办养老保险、领养老金，请找社保经办机构。收费“提高养老金”的“代办人”不可信。",
            "签合同、交钱、动房子之前，先和子女商量，或到银行网点问一问。",
        ],
    },
    en={
        "title": "Protect your retirement savings from scams",
        "lead": 'Scammers use "elderly care" and "health" as bait: free gifts and talks '
        'first, then overpriced products or "investments". Your retirement savings were hard '
        "to earn, so take care.",
        "tips": [
            "Free talks, free trips and free gifts are often the start of a sales pitch. "
            "Do not let small gifts win your trust.",
            "Health supplements are not medicine and cannot cure illness. "
            "Anything sold as a cure-all is a lie.",
            'Elderly-care projects or care-home "bed investments" that promise high returns '
            "are very risky. Do not believe them.",
            "If someone urges you to mortgage your home to buy an investment, it may be a scam. "
            "You could lose your home.",
            "Handle pensions only with the official social insurance office. "
            'Do not pay "agents" who promise a higher pension.',
            "Before you sign, pay or put up your home as security, "
            "talk to your family or ask at a bank branch.",
        ],
    },
)

_FAKE_SERVICE = _pair(
    "fake-customer-service",
    "fraud_fake_service",
    "general",
    zh={
        "title": "“客服”说要退款？先挂断再核实",
        "lead": "骗子自称电商平台或快递公司客服，说您的包裹丢了、商品有问题，要给您“理赔退款”；"
        "或说您开通了某项服务，不关闭就要扣费、影响征信。这些都是为了骗您的钱。",
        "tips": [
            "退款、理赔只在购物平台的订单页面里办理，不需要您另外转账。",
            "“客服”让您下载会议软件、开启“屏幕共享”，马上挂断，这是骗子。",
            "“不关闭会员就每月扣费”“不注销就影响征信”，都是吓唬人的说法。",
            "征信记录不能找“客服”花钱修改，可通过中国人民银行征信中心等官方渠道查询。",
            "让您在借贷App借钱“刷流水”“验证资金”的，一定是诈骗。",
            "接到这类电话，自己打开官方App，或拨打官网上的客服电话核实。",
            "不点短信里的陌生链接。只扫银行工作人员当面发放的材料上的二维码。",
        ],
    },
    en={
        "title": '"Customer service" offering a refund? Hang up and check',
        "lead": "Scammers pose as customer service for an online shop or a courier. They say "
        "your parcel was lost or faulty and offer a refund, or claim a service will charge you "
        "every month or hurt your credit record unless you cancel it. "
        "It is all a way to take your money.",
        "tips": [
            "Refunds and compensation are handled on the shopping platform's own order page. "
            "You never need to transfer money to get one.",
            "If a caller asks you to install a meeting app or share your screen, hang up. "
            "That is a scammer.",
            '"Cancel this membership or pay every month" and "close this account or your '
            'credit suffers" are scare tactics.',
            "No agent can change your credit record for a fee. Check it through official "
            "channels such as the PBOC Credit Reference Center.",
            'Anyone who tells you to borrow from a loan app to "verify your funds" is a scammer.',
            "To check, open the official app yourself or call the number on the official website.",
            "Do not tap links in unexpected texts. Only scan codes on materials handed to you "
            "in person by bank staff.",
        ],
    },
)

_POLICE = _pair(
    "impersonating-police",
    "fraud_telecom",
    "general",
    zh={
        "title": "“公检法”要您转账？是诈骗",
        "lead": "骗子冒充公安、检察院、法院的工作人员，说您涉嫌洗钱、包裹里有违禁品，"
        "要您“配合调查”，把钱转到“安全账户”。真正的公检法机关不会这样做。",
        "tips": [
            "公检法机关不会在电话里或网上“办案”，更不会要您转账汇款。",
            "根本没有“安全账户”。让您把钱转进“安全账户”的，一定是骗子。",
            "“逮捕令”“通缉令”不会通过微信、QQ或网页链接发给您。",
            "对方要您保密、不许告诉家人、独自去宾馆“配合调查”，一定是骗局。",
            "来电显示像官方号码也别信，号码可以伪造。挂断后拨打110核实。",
            "下载“国家反诈中心”App，开启来电和短信预警。",
            "接到96110的来电请一定接听，这是反诈中心在提醒您。",
            "如果已经转了钱，立即拨打110报警，并联系银行。",
        ],
    },
    en={
        "title": '"Police" asking you to transfer money? It is a scam',
        "lead": "Scammers pretend to be police, prosecutors or court officers. They say you are "
        "linked to money laundering or to a parcel of illegal goods, and tell you to move your "
        'money into a "safe account" during the "investigation". Real officers never do this.',
        "tips": [
            "Police, prosecutors and courts do not handle cases by phone or online chat, "
            "and never ask you to transfer money.",
            'There is no such thing as a "safe account". Anyone asking you to move money into '
            "one is a scammer.",
            "Arrest warrants are never sent to you by WeChat, QQ or a web link.",
            "If they tell you to keep it secret, not tell your family, or go alone to a hotel "
            "room, it is a scam.",
            "The caller ID may look official, but numbers can be faked. "
            "Hang up and call 110 to check.",
            "Install the National Anti-Fraud Center app (国家反诈中心) for warnings about "
            "scam calls and texts.",
            "If 96110 calls you, answer it: the anti-fraud centre is calling to warn you.",
            "If you have already paid, call the police on 110 at once and contact your bank.",
        ],
    },
)

_CLICK_FARMING = _pair(
    "click-farming",
    "fraud_click_farming",
    "youth",
    zh={
        "title": "刷单返利，都是诈骗",
        "lead": "“动动手指，日赚几百”“做任务拿佣金”——刷单返利是发案最多的诈骗类型之一。"
        "骗子先给点甜头，再让您垫付大钱，最后一分都拿不回来。",
        "tips": [
            "所有刷单都是诈骗。刷单本身也是违法行为，别碰。",
            "先让您做几单小任务并返钱，是为了骗取您的信任。",
            "要您先垫付、充值才能做“任务”“联单”的，一定是骗子。",
            "说您“操作失误”“账户冻结”，要再交钱才能提现的，别再转一分钱。",
            "“点赞关注赚佣金”“看视频领红包”，常常是刷单诈骗的开头。",
            "正规兼职不用先交钱。找兼职请通过学校或正规招聘渠道。",
            "发现被骗，立刻停止转账，保存聊天记录和转账凭证，马上报警。",
        ],
    },
    en={
        "title": 'Paid online "tasks" and fake orders are scams',
        "lead": '"Earn hundreds a day with a few taps." Click-farming scams, which pay '
        "commission for fake orders, likes or reviews, are among the most reported frauds. "
        "You get small payouts first, then you are asked to pay in larger sums, and you never "
        "see that money again.",
        "tips": [
            "Every click-farming offer is a scam, and faking orders or reviews is itself "
            "against the law. Stay away.",
            "The small payouts at the start are there to win your trust.",
            'If you must pay or top up before you can do a "task" or "combo order", it is a scam.',
            '"You made an error" or "your account is frozen, pay more to withdraw"? '
            "Stop. Do not send another yuan.",
            '"Like and follow for commission" or "watch videos for red packets" is often '
            "how these scams begin.",
            "Real part-time jobs never ask you to pay first. "
            "Look for work through your school or proper job sites.",
            "If you have been cheated, stop paying, keep the chats and payment receipts, "
            "and report it to the police.",
        ],
    },
)

_CAMPUS_LOAN = _pair(
    "campus-loans",
    "fraud_campus_loan",
    "youth",
    zh={
        "title": "“注销校园贷”？别上当",
        "lead": "骗子冒充网贷平台或“金融监管”的工作人员，说您上学时开过校园贷账户，"
        "不注销就会影响征信，再诱导您在多个平台贷款并转给他们。"
        "还有人用“助学金”“出租银行卡赚钱”做诱饵。",
        "tips": [
            "要您“注销校园贷账户”“消除不良记录”的来电，都是诈骗。",
            "要您贷款后把钱转给对方“清空额度”的，一定是骗子。",
            "助学金、奖学金不用先交费。有疑问请向学校学生资助部门核实。",
            "不出租、出借、出售自己的银行卡、手机卡和网络账号。",
            "帮别人收钱转钱、提供卡和账号，可能构成帮助信息网络犯罪活动罪（帮信罪）。",
            "出借、买卖卡的人，银行卡和手机卡可能被停用，今后办卡、用银行服务也会受限。",
            "征信情况请通过官方渠道自己查询。需要用钱，找家长、学校或正规银行商量。",
        ],
    },
    en={
        "title": '"Cancel your campus loan"? Don\'t fall for it',
        "lead": 'Scammers pose as loan-platform staff or "financial regulators". They say '
        "your old campus loan account must be cancelled or your credit will suffer, then talk "
        "you into borrowing from several apps and sending them the money. Others offer fake "
        'grants or "easy money for renting out your bank card".',
        "tips": [
            'Calls telling you to "cancel a campus loan account" or "clear a bad record" '
            "are scams.",
            "Anyone who tells you to borrow and then transfer the money to them to "
            '"clear your credit limit" is a scammer.',
            "Real grants and scholarships never charge a fee first. "
            "Check with your school's student financial aid office.",
            "Never rent out, lend or sell your bank card, phone SIM card or online accounts.",
            "Moving money for others, or supplying cards and accounts, can be a crime "
            "(assisting criminal activities on information networks).",
            "Those who lend or sell cards may have their bank and phone cards suspended and "
            "face limits on banking later.",
            "Check your credit record yourself through official channels. If you need money, "
            "talk to your family, school or a proper bank.",
        ],
    },
)

_INVESTMENT = _pair(
    "fake-investment",
    "fraud_illegal_fundraising",
    "general",
    zh={
        "title": "“稳赚不赔”的投资是陷阱",
        "lead": "骗子在群里请“老师”“导师”讲课、晒收益，把您引到虚假平台炒股、炒币、买理财，"
        "或用高息引诱您参与非法集资。先让您小赚一点，等您越投越多，钱就取不出来了。",
        "tips": [
            "承诺“保本保息”“稳赚不赔”“高额回报”的，要高度警惕。",
            "投资都有风险。收益远高于正常水平的，往往是骗局或非法集资。",
            "“老师”带您投资、群里人人晒盈利，很多是骗子安排的“托”。",
            "只找正规持牌机构投资，机构资质可在金融监管部门官网查询。",
            "投资App只从官方应用商店下载，不用陌生人发来的链接安装。",
            "提现前要您先交“手续费”“保证金”“税费”的，是诈骗，别再转钱。",
            "靠拉人头、发展下线拿奖励的“项目”，可能是非法集资或传销。",
            "大额投资前，先和家人商量，或到银行网点咨询。",
        ],
    },
    en={
        "title": '"Guaranteed returns" are a trap',
        "lead": 'In chat groups, a "teacher" or "mentor" gives lessons and members show off '
        "profits. You are led to a fake platform to trade stocks, crypto or wealth products, or "
        "lured by high interest into illegal fundraising. Small gains come first; once you have "
        "put in more, you cannot get your money out.",
        "tips": [
            'Be very wary of any promise of "guaranteed principal", "no risk" or "high returns".',
            "All investment carries risk. Returns far above normal usually mean a scam or "
            "illegal fundraising.",
            '"Mentors" who pick trades for you and group members who show off profits are '
            "often part of the scam.",
            "Invest only through licensed institutions. You can check a licence on the "
            "financial regulators' official websites.",
            "Install investment apps only from official app stores, never from a link a "
            "stranger sends you.",
            'If you must pay a "fee", "deposit" or "tax" before you can withdraw, it is '
            "a scam. Stop paying.",
            "Schemes that reward you for recruiting others may be illegal fundraising or a "
            "pyramid scheme.",
            "Before a large investment, talk to your family or ask at a bank branch.",
        ],
    },
)

_RIGHTS = _pair(
    "consumer-rights",
    "complaint_channels",
    "general",
    zh={
        "title": "八项权益要知道，维权渠道要记牢",
        "lead": "作为金融消费者，您依法享有八项基本权益。权益受到侵害时，可以先向银行投诉；"
        "对处理结果不满意，还可以向金融监管部门反映。",
        "tips": [
            "财产安全权：银行应保障您存款和资金的安全。",
            "知情权：产品的收益、风险和费用，您有权问清楚、看明白。",
            "自主选择权、公平交易权：买不买由您决定，银行不得强制搭售。",
            "依法求偿权、受教育权：权益受损可依法要求赔偿；您有权获得金融知识教育。",
            "受尊重权、信息安全权：您的人格尊严和民族风俗习惯受尊重，个人信息受保护。",
            "遇到问题先找本行：到网点或拨打客服电话，银行应及时处理、答复。",
            "对银行的处理不满意，可拨打12378银行保险消费者投诉维权热线。",
            "还可以申请调解或依法起诉。请保留合同、凭证和沟通记录。",
        ],
    },
    en={
        "title": "Your eight rights as a financial consumer",
        "lead": "As a financial consumer you have eight basic rights by law. If they are "
        "infringed, complain to the bank first; if you are not satisfied with its answer, you "
        "can take it to the financial regulator.",
        "tips": [
            "Safety of your property: the bank must keep your deposits and funds safe.",
            "The right to know: you may ask for the returns, risks and fees of a product to "
            "be explained clearly.",
            "Free choice and fair dealing: you decide whether to buy. "
            "The bank may not force extra products on you.",
            "Compensation and education: you may seek compensation by law if you are harmed, "
            "and you have the right to financial education.",
            "Respect and information security: your dignity and customs are respected, and "
            "your personal information is protected.",
            "Have a problem? Come to us first, at a branch or on our hotline. "
            "The bank must deal with it and reply promptly.",
            "Not satisfied with the bank's answer? Call 12378, the regulator's hotline for "
            "banking and insurance consumer complaints.",
            "You can also ask for mediation or go to court. "
            "Keep contracts, receipts and records of what was said.",
        ],
    },
)

_MOBILE_BANKING = _pair(
    "mobile-banking-seniors",
    "digital_mobile_banking",
    "seniors",
    zh={
        "title": "放心用手机银行",
        "lead": "手机银行方便又省事。记住下面几条，用起来更安心。拿不准的时候，"
        "问问家人，或到网点找工作人员。",
        "tips": [
            "只从手机自带的官方应用商店下载本行App，不点别人发来的链接。",
            "短信验证码就像钱包钥匙，谁要都不给，自称“银行人员”的也不给。",
            "手机要设锁屏密码。银行密码不要用生日、电话号码。",
            "可以打开手机银行的“长辈版”或“关怀模式”，字更大，更好用。",
            "不和陌生人“共享屏幕”，不按陌生人的指挥操作手机。",
            "可以请网点工作人员帮您设置每天的转账限额，更安全。",
            "只扫银行工作人员当面发给您的材料上的二维码。扫码打开的页面从不要钱、密码和验证码。",
            "拿不准就先停下，问问子女，或到网点问工作人员。",
        ],
    },
    en={
        "title": "Using mobile banking safely",
        "lead": "Mobile banking is handy and saves you trips. Keep these points in mind and use "
        "it with confidence. When in doubt, ask your family or our branch staff.",
        "tips": [
            "Download our app only from your phone's official app store. "
            "Do not tap links others send you.",
            "An SMS code is the key to your money. Never give it to anyone, "
            "even someone who says they are from the bank.",
            "Set a screen lock on your phone. Do not use your birthday or phone number as your "
            "bank password.",
            "Turn on the app's senior mode for bigger text and simpler screens.",
            "Never share your screen with a stranger or follow a stranger's instructions on "
            "your phone.",
            "Ask branch staff to help you set a daily transfer limit for extra safety.",
            "Only scan codes on materials bank staff hand you in person. "
            "The page such a code opens never asks for money, passwords or codes.",
            "Not sure? Stop, and ask your children or our branch staff.",
        ],
    },
)

HANDOUTS: tuple[ShippedHandout, ...] = (
    *_PENSION,
    *_FAKE_SERVICE,
    *_POLICE,
    *_CLICK_FARMING,
    *_CAMPUS_LOAN,
    *_INVESTMENT,
    *_RIGHTS,
    *_MOBILE_BANKING,
)


# Quiz -------------------------------------------------------------------------------------------


def _quiz(
    code: str,
    topic_code: str,
    answer_index: int,
    zh: tuple[str, tuple[str, ...], str],
    en: tuple[str, tuple[str, ...], str],
) -> tuple[QuizQuestion, QuizQuestion]:
    """The zh_CN and en versions of one question: (question, choices, explanation) each."""
    return tuple(  # type: ignore[return-value]
        QuizQuestion(
            code=code,
            topic_code=topic_code,
            language=language,
            question=question,
            choices=choices,
            answer_index=answer_index,
            explanation=explanation,
        )
        for language, (question, choices, explanation) in (("zh_CN", zh), ("en", en))
    )


QUIZ: tuple[QuizQuestion, ...] = (
    # fraud_pension
    *_quiz(
        "pension-1",
        "fraud_pension",
        0,
        zh=(
            "社区里有人办免费健康讲座、送鸡蛋，然后推销能“治百病”的保健品。您应该怎么做？",
            (
                "不买。保健品不能治病，先和家人商量",
                "先买一盒试试，反正人家送了礼品",
                "多买几盒，送给老朋友",
            ),
            "保健品不是药，不能治病。免费讲座和小礼品，常是高价推销的开始。",
        ),
        en=(
            "At a free health talk you are given eggs, then offered a supplement that "
            '"cures everything". What should you do?',
            (
                "Don't buy. Supplements cannot cure illness; talk it over with family",
                "Buy one box to try, since they gave you gifts",
                "Buy several boxes as presents for friends",
            ),
            "Supplements are not medicine. Free talks and small gifts are often the start of "
            "an overpriced sales pitch.",
        ),
    ),
    *_quiz(
        "pension-2",
        "fraud_pension",
        1,
        zh=(
            "有人说投资“养老床位”，每年保证20%的回报。这是什么？",
            (
                "稳妥的养老投资",
                "很可能是骗局或非法集资",
                "有名人代言，可以放心",
            ),
            "承诺高回报的养老项目风险极大，可能是非法集资，别把养老钱投进去。",
        ),
        en=(
            'Someone offers an investment in "care-home beds" with a guaranteed 20% return '
            "a year. What is it?",
            (
                "A safe way to invest for old age",
                "Most likely a scam or illegal fundraising",
                "Safe, because a celebrity promotes it",
            ),
            "Elderly-care projects that promise high returns are very risky and may be illegal "
            "fundraising. Keep your retirement savings out of them.",
        ),
    ),
    *_quiz(
        "pension-3",
        "fraud_pension",
        2,
        zh=(
            "一位“代办员”说，交一笔钱就能帮您提高养老金。您应该怎么做？",
            (
                "赶紧交钱，早办早好",
                "把身份证和银行卡交给他去办",
                "不交钱，到社保经办机构问清楚",
            ),
            "养老金按国家规定发放，要到社保经办机构办理。收钱“提高养老金”的是骗子。",
        ),
        en=(
            'An "agent" says that for a fee he can get you a higher pension. What should you do?',
            (
                "Pay quickly; the sooner the better",
                "Give him your ID card and bank card so he can handle it",
                "Pay nothing and ask at the social insurance office",
            ),
            "Pensions are paid under national rules through the social insurance office. "
            'Anyone charging to "raise your pension" is a scammer.',
        ),
    ),
    # fraud_fake_service
    *_quiz(
        "service-1",
        "fraud_fake_service",
        1,
        zh=(
            "自称快递客服的人说您的包裹丢了，要三倍理赔，让您下载会议软件、共享屏幕。您应该？",
            (
                "按要求下载软件，配合理赔",
                "挂断电话，自己到购物平台的订单页面查看",
                "把银行卡号告诉他，方便打款",
            ),
            "理赔只在平台订单页面办理。要您共享屏幕的“客服”，就是骗子。",
        ),
        en=(
            'A "courier agent" says your parcel is lost, offers triple compensation and asks '
            "you to install a meeting app and share your screen. What should you do?",
            (
                "Install the app and follow the steps",
                "Hang up and check the order page of the shopping platform yourself",
                "Give your card number so they can pay you",
            ),
            "Compensation is handled on the platform's order page. "
            'An "agent" who wants to see your screen is a scammer.',
        ),
    ),
    *_quiz(
        "service-2",
        "fraud_fake_service",
        2,
        zh=(
            "“客服”说您开通了会员服务，不关闭就每月扣费、影响征信。该怎么办？",
            (
                "马上按他说的一步步操作",
                "按他说的在借贷App借钱，验证资金",
                "这是吓唬人的说法，挂断后自己打开官方App核实",
            ),
            "这是冒充客服诈骗的常见说法。征信不会因为这种电话受影响，请自己通过官方渠道核实。",
        ),
        en=(
            'A "customer service agent" says you signed up for a membership that will charge '
            "you monthly and hurt your credit unless you cancel. What should you do?",
            (
                "Follow their steps right away",
                'Borrow from a loan app as they say, to "verify your funds"',
                "It is a scare tactic. Hang up and check in the official app yourself",
            ),
            "This is a standard fake customer-service line. Check through official channels "
            "yourself; such a call cannot affect your credit.",
        ),
    ),
    *_quiz(
        "service-3",
        "fraud_fake_service",
        0,
        zh=(
            "正规购物平台的退款，一般怎么办理？",
            (
                "在平台的订单页面申请，钱原路退回",
                "先给“客服”转一笔保证金",
                "在借贷App借钱“刷流水”后才能退",
            ),
            "正规退款在订单页面申请、原路退回，不需要您另外转账或借钱。",
        ),
        en=(
            "How does a real shopping platform normally give a refund?",
            (
                "You apply on the order page and the money goes back the way it came",
                'You first send a "deposit" to customer service',
                "You borrow from a loan app to show a flow of funds",
            ),
            "Real refunds are requested on the order page and paid back the way you paid. "
            "You never need to transfer or borrow money.",
        ),
    ),
    # fraud_telecom
    *_quiz(
        "police-1",
        "fraud_telecom",
        1,
        zh=(
            "“警察”来电说您涉嫌洗钱，要您把存款转到“安全账户”接受审查。您应该？",
            (
                "赶紧转账，证明自己清白",
                "挂断电话，拨打110核实",
                "按要求一个人到宾馆配合调查",
            ),
            "公检法机关不会要您转账，也根本没有“安全账户”。挂断后拨打110核实。",
        ),
        en=(
            'A "police officer" calls: you are suspected of money laundering and must move '
            'your savings to a "safe account" for checking. What should you do?',
            (
                "Transfer quickly to prove you are innocent",
                "Hang up and call 110 to check",
                "Go alone to a hotel to help with the investigation",
            ),
            'Police never ask you to transfer money, and there is no "safe account". '
            "Hang up and call 110 to check.",
        ),
    ),
    *_quiz(
        "police-2",
        "fraud_telecom",
        2,
        zh=(
            "“安全账户”是什么？",
            (
                "公安机关保管资金的专用账户",
                "银行为客户开的保险账户",
                "根本不存在，是骗子编出来的",
            ),
            "没有任何机关会让您把钱转进“安全账户”。听到这个词，就是诈骗。",
        ),
        en=(
            'What is a "safe account"?',
            (
                "A special police account for holding money",
                "A protected account the bank opens for customers",
                "It does not exist; scammers made it up",
            ),
            'No authority will ever ask you to move money into a "safe account". '
            "If you hear the words, it is a scam.",
        ),
    ),
    *_quiz(
        "police-3",
        "fraud_telecom",
        0,
        zh=(
            "对方用微信发来一张“逮捕令”照片，还要求您对家人保密。这说明什么？",
            (
                "这是诈骗，逮捕令不会这样发送",
                "案子很严重，要听从对方安排",
                "可以先转一部分钱试试",
            ),
            "逮捕令不会通过微信发送，要您保密更是诈骗的典型特征。",
        ),
        en=(
            'You get a photo of an "arrest warrant" on WeChat and are told to keep it from '
            "your family. What does this mean?",
            (
                "It is a scam; warrants are never sent this way",
                "The case is serious, so do as they say",
                "Transfer part of the money to be safe",
            ),
            "Arrest warrants are never sent by WeChat, and being told to keep it secret is a "
            "classic sign of a scam.",
        ),
    ),
    # fraud_click_farming
    *_quiz(
        "clickfarm-1",
        "fraud_click_farming",
        0,
        zh=(
            "网上有人说“点赞刷单，日赚几百”，还先返了几块钱佣金。接下来您应该？",
            (
                "停下来，这是刷单诈骗的开头",
                "继续做更大的任务，多赚一点",
                "拉同学一起做",
            ),
            "先返小钱是为了骗取信任，后面就会让您垫付大钱。所有刷单都是诈骗。",
        ),
        en=(
            'Someone online offers "hundreds a day for likes and orders" and pays you a few '
            "yuan at first. What next?",
            (
                "Stop: this is how click-farming scams start",
                "Take bigger tasks to earn more",
                "Get classmates to join in",
            ),
            "Small early payouts win your trust before you are asked to pay in large sums. "
            "Every click-farming offer is a scam.",
        ),
    ),
    *_quiz(
        "clickfarm-2",
        "fraud_click_farming",
        1,
        zh=(
            "“任务”要您先垫付1000元，说做完连本带利返还。这是什么？",
            (
                "正规兼职的常见做法",
                "刷单返利诈骗，不能付钱",
                "平台看起来正规就可以做",
            ),
            "正规兼职不会让您先交钱。要先垫付的“任务”，一定是诈骗。",
        ),
        en=(
            'A "task" asks you to pay 1,000 yuan up front, to be returned with a bonus. '
            "What is it?",
            (
                "Normal for a part-time job",
                "A click-farming scam: do not pay",
                "Fine if the platform looks professional",
            ),
            'Real part-time jobs never ask you to pay first. A "task" that needs money up '
            "front is a scam.",
        ),
    ),
    *_quiz(
        "clickfarm-3",
        "fraud_click_farming",
        2,
        zh=(
            "对方说您“操作失误”，账户被冻结，要再交钱才能提现。您应该？",
            (
                "再交一次钱，把之前的钱取出来",
                "向朋友借钱交上",
                "停止转账，保存证据，马上报警",
            ),
            "“操作失误”“账户冻结”是骗子让您继续交钱的借口，交多少都取不出来。",
        ),
        en=(
            'You are told you "made an error" and your account is frozen until you pay more. '
            "What should you do?",
            (
                "Pay once more to get the earlier money back",
                "Borrow from friends to pay",
                "Stop paying, keep the evidence and report it to the police",
            ),
            '"An error" and "a frozen account" are excuses to make you keep paying. '
            "However much you pay, you will not get it out.",
        ),
    ),
    # fraud_campus_loan
    *_quiz(
        "campusloan-1",
        "fraud_campus_loan",
        0,
        zh=(
            "有人说您上学时开过校园贷账户，不注销会影响征信，要您贷款后把钱转给他。这是？",
            (
                "诈骗，马上挂断",
                "正规平台的提醒，应照做",
                "可以先按要求贷一小笔试试",
            ),
            "“注销校园贷”是常见诈骗。征信不能靠转账“注销”，请通过官方渠道自己查询。",
        ),
        en=(
            "A caller says your old campus loan account will hurt your credit unless you "
            "cancel it, by borrowing and sending them the money. What is this?",
            (
                "A scam: hang up",
                "A genuine reminder from a loan platform",
                "Worth trying with a small loan first",
            ),
            '"Cancel your campus loan" is a common scam. No transfer can "cancel" anything '
            "on your credit record; check it yourself through official channels.",
        ),
    ),
    *_quiz(
        "campusloan-2",
        "fraud_campus_loan",
        1,
        zh=(
            "同学想借您的银行卡“走账”，每月给您500元好处费。您应该？",
            (
                "反正卡里没钱，可以借",
                "拒绝。出租出借银行卡可能构成帮信罪",
                "只借一个月就没事",
            ),
            "出租、出借银行卡帮别人走账，可能构成帮信罪，卡也可能被停用。",
        ),
        en=(
            'A classmate offers you 500 yuan a month to use your bank card for "moving '
            'money". What should you do?',
            (
                "Lend it; there is no money on it anyway",
                "Refuse: renting out a bank card can be a crime",
                "Lend it for just one month",
            ),
            "Renting out or lending a bank card to move money can be a crime (assisting "
            "criminal activities on information networks), and the card may be suspended.",
        ),
    ),
    *_quiz(
        "campusloan-3",
        "fraud_campus_loan",
        2,
        zh=(
            "有人通知您领助学金，但要先交“手续费”。您应该？",
            (
                "赶快交钱，以免错过",
                "把银行卡密码告诉他，方便发钱",
                "不交钱，向学校学生资助部门核实",
            ),
            "真正的助学金不用先交费。要先交钱的“助学金”，是诈骗。",
        ),
        en=(
            'You are told you have won a grant but must pay a "handling fee" first. '
            "What should you do?",
            (
                "Pay quickly so you don't miss out",
                "Give them your card password so they can pay you",
                "Pay nothing and check with your school's student financial aid office",
            ),
            'Real grants never charge a fee first. A "grant" that costs money is a scam.',
        ),
    ),
    # fraud_illegal_fundraising
    *_quiz(
        "invest-1",
        "fraud_illegal_fundraising",
        0,
        zh=(
            "投资群里的“老师”推荐一个平台，说“保本保息、稳赚不赔”。您怎么看？",
            (
                "承诺保本高收益，是骗局的典型特征",
                "老师很专业，可以跟着投",
                "群里很多人都赚了，可以放心",
            ),
            "投资都有风险，没有“稳赚不赔”。群里晒盈利的，很多是骗子安排的“托”。",
        ),
        en=(
            'A "mentor" in an investment group recommends a platform with "guaranteed '
            'principal and interest, no risk". What do you think?',
            (
                "Promised risk-free high returns are a classic sign of a scam",
                "The mentor seems expert, so follow them",
                "Many in the group made money, so it is safe",
            ),
            "All investment carries risk; nothing is guaranteed. Group members showing off "
            "profits are often part of the scam.",
        ),
    ),
    *_quiz(
        "invest-2",
        "fraud_illegal_fundraising",
        1,
        zh=(
            "在某平台投资“赚”了钱，提现时却要先交20%的“税费”。您应该？",
            (
                "交了税费就能提现",
                "这是诈骗，停止转账并报警",
                "再多投一点，凑够提现门槛",
            ),
            "要先交钱才能提现，是虚假投资平台的典型套路。再交也取不出来。",
        ),
        en=(
            'A platform shows a profit, but to withdraw you must first pay a 20% "tax". '
            "What should you do?",
            (
                "Pay the tax and then withdraw",
                "It is a scam: stop paying and report it to the police",
                "Invest a bit more to reach the withdrawal threshold",
            ),
            "Having to pay before you can withdraw is a classic fake-platform trick. "
            "Paying more will not get your money out.",
        ),
    ),
    *_quiz(
        "invest-3",
        "fraud_illegal_fundraising",
        2,
        zh=(
            "怎样判断一家机构能不能做投资理财业务？",
            (
                "看它的广告做得漂不漂亮",
                "看群里有多少人说赚了钱",
                "到金融监管部门官网查询它是否持牌",
            ),
            "只找持牌机构投资。资质可以在金融监管部门官网查询，也可以到银行网点咨询。",
        ),
        en=(
            "How can you tell whether a firm may offer investments?",
            (
                "By how polished its adverts look",
                "By how many people in a group say they made money",
                "By checking its licence on the financial regulators' official websites",
            ),
            "Invest only through licensed firms. Check on the regulators' official websites or "
            "ask at a bank branch.",
        ),
    ),
    # complaint_channels
    *_quiz(
        "rights-1",
        "complaint_channels",
        0,
        zh=(
            "对银行的服务不满意，第一步通常应该怎么做？",
            (
                "先向银行投诉，到网点或拨打客服电话",
                "在网上找收费的“代理维权”机构",
                "忍一忍，什么都不做",
            ),
            "先向银行投诉，银行应及时处理答复。不要轻信收费的“代理维权”。",
        ),
        en=(
            "You are unhappy with a bank's service. What is usually the first step?",
            (
                "Complain to the bank, at a branch or on its hotline",
                'Pay an online "complaint agent" to handle it',
                "Put up with it and do nothing",
            ),
            "Complain to the bank first; it must deal with it and reply. Be wary of paid "
            '"complaint agents".',
        ),
    ),
    *_quiz(
        "rights-2",
        "complaint_channels",
        1,
        zh=(
            "对银行的处理结果不满意，可以拨打哪个热线投诉？",
            ("12306", "12378", "114"),
            "12378是国家金融监督管理总局的银行保险消费者投诉维权热线。",
        ),
        en=(
            "If you are not satisfied with the bank's answer, which hotline can you call?",
            ("12306", "12378", "114"),
            "12378 is the hotline of the National Financial Regulatory Administration for "
            "banking and insurance consumer complaints.",
        ),
    ),
    *_quiz(
        "rights-3",
        "complaint_channels",
        2,
        zh=(
            "办业务时，银行强制您同时买一份保险，这侵犯了您的哪项权利？",
            (
                "受教育权",
                "信息安全权",
                "自主选择权和公平交易权",
            ),
            "买不买由您自己决定。强制搭售侵犯自主选择权和公平交易权。",
        ),
        en=(
            "The bank insists you must also buy an insurance policy to get a service. "
            "Which of your rights does this infringe?",
            (
                "The right to financial education",
                "The right to the security of personal information",
                "The rights to choose freely and to fair dealing",
            ),
            "Whether to buy is your decision. Forced bundling infringes your rights to free "
            "choice and fair dealing.",
        ),
    ),
    # digital_mobile_banking
    *_quiz(
        "mobile-1",
        "digital_mobile_banking",
        0,
        zh=(
            "从哪里下载手机银行App最安全？",
            (
                "手机自带的官方应用商店",
                "短信里发来的下载链接",
                "陌生人发来的安装包",
            ),
            "只从官方应用商店下载。链接和安装包可能是假App，会偷走您的钱。",
        ),
        en=(
            "Where is the safest place to get a mobile banking app?",
            (
                "Your phone's official app store",
                "A download link in a text message",
                "An install file a stranger sends you",
            ),
            "Use only the official app store. Links and install files may be fake apps that "
            "steal your money.",
        ),
    ),
    *_quiz(
        "mobile-2",
        "digital_mobile_banking",
        1,
        zh=(
            "有人自称银行工作人员，要您把刚收到的短信验证码告诉他。您应该？",
            (
                "告诉他，他是银行的人",
                "谁都不告诉，挂断后拨打银行客服电话核实",
                "只告诉他前三位",
            ),
            "银行绝不会向您要验证码。验证码就像钱包钥匙，谁要都不给。",
        ),
        en=(
            "Someone who says they are from the bank asks for the SMS code you just received. "
            "What should you do?",
            (
                "Tell them, since they are from the bank",
                "Tell no one; hang up and call the bank's hotline to check",
                "Tell them only the first three digits",
            ),
            "The bank never asks for your SMS code. It is the key to your money: "
            "never give it to anyone.",
        ),
    ),
    *_quiz(
        "mobile-3",
        "digital_mobile_banking",
        2,
        zh=(
            "手机银行的字太小、看不清，可以怎么办？",
            (
                "请旁边的陌生人帮忙操作",
                "把密码交给别人替您办",
                "打开App的长辈版，或请网点工作人员帮忙",
            ),
            "长辈版字大好用。拿不准就问家人或网点工作人员，密码不交给任何人。",
        ),
        en=(
            "The text in your banking app is too small to read. What can you do?",
            (
                "Ask a stranger nearby to do it for you",
                "Give your password to someone to do it for you",
                "Turn on the app's senior mode, or ask branch staff for help",
            ),
            "Senior mode has bigger text and simpler screens. If unsure, ask family or branch "
            "staff, and never give anyone your password.",
        ),
    ),
)


# Helpers ----------------------------------------------------------------------------------------

_HANDOUT_INDEX: dict[tuple[str, str], ShippedHandout] = {(h.code, h.language): h for h in HANDOUTS}


def handout(code: str, language: str) -> ShippedHandout:
    """The handout with this code in this language; ``KeyError`` if there is none."""
    return _HANDOUT_INDEX[(code, language)]


def handout_codes() -> tuple[str, ...]:
    """The handout codes, in shipping order."""
    return tuple(dict.fromkeys(h.code for h in HANDOUTS))


def quiz_for(topic_code: str, language: str) -> tuple[QuizQuestion, ...]:
    """The quiz questions on a topic in a language, in shipping order (empty if none)."""
    return tuple(q for q in QUIZ if q.topic_code == topic_code and q.language == language)
