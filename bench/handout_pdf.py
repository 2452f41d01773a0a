"""The PDF engine alone, for ``make bench``: a realistic sample handout and a timed render.

Kept out of the application package: nothing in the app prints the sample page.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

from outreach_app.handouts.fonts import register_fonts
from outreach_app.handouts.kinds import PrintLayout
from outreach_app.handouts.layout import CopyCode, HandoutPage
from outreach_app.handouts.pdf import render_handouts
from outreach_app.handouts.tokens import format_for_print, make_token


def sample_page(language: str = "zh_CN") -> HandoutPage:
    """A realistic handout, as the benchmark and the PDF tests print it."""
    return HandoutPage(
        title="警惕冒充客服退款诈骗",
        lead="接到自称电商或快递客服的电话，说您的商品有问题要给您退款或理赔？先挂断，"
        "再通过官方App或官方电话核实。",
        tips=[
            "正规退款直接原路退回，不需要您下载任何会议软件或共享屏幕。",
            "不点短信或聊天中陌生人发来的链接，只扫工作人员当面发放的材料上的二维码。",
            "任何要求“先转账、再退款”的说法都是诈骗。",
            "验证码就是您的钱包钥匙，任何人索要都不要给。",
            "拿不准时，先挂断电话，和家人商量，或拨打 96110 咨询。",
        ],
        never_ask="银行卡密码、短信验证码，或要求您向“安全账户”转账。",
        hotline_note="全国反诈专线 96110 · 本行客服热线 95xxx",
        language=language,
        bank_name="城市银行",
        branch_name="东城支行 · 消费者权益保护",
        event_title="金融知识进社区：守好养老钱",
        partner_name="东城街道和平社区居委会",
        event_date="2026-12-03",
        printed_for="张老师",
        printed_on="2026-11-27",
    )


def render_benchmark(copies: int = 1000, layout: PrintLayout = PrintLayout.A4) -> float:
    """Render a `copies`-copy print run into one in-memory PDF; return pages per second."""
    register_fonts()
    secret = "benchmark-secret"
    page = sample_page()
    base = "https://outreach.example-bank.cn/s/"
    start = time.perf_counter()

    def codes() -> Iterator[CopyCode]:
        for serial in range(1, copies + 1):
            token = make_token(secret, 0x1234_5678_9ABC_DEF0, serial)
            yield CopyCode(serial=serial, url=base + token, printed_token=format_for_print(token))

    pages = render_handouts(io.BytesIO(), page, codes(), layout)
    return pages / (time.perf_counter() - start)
