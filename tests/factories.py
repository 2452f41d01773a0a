"""Test data factories; call them inside an app context. ``build_world`` makes the default set;
``add_event`` adds an event to it and ``set_status``/``confirm`` move one along, each opening
its own context; ``jpeg`` and the others below it make picture bytes."""

from __future__ import annotations

import io
import itertools
import struct
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from outreach_app.auth.models import User
from outreach_app.auth.passwords import hash_password
from outreach_app.core.roles import Role
from outreach_app.events.lifecycle import change_status
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.partners.models import Partner, PartnerKind
from outreach_app.problems.models import Problem, ProblemCategory
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.regions.models import Branch, BranchAccess, Region, RegionLevel
from outreach_app.regions.tree import add_region

_counter = itertools.count(1)


def make_region(
    name: str,
    parent: Region | None = None,
    code: str | None = None,
    access: BranchAccess = BranchAccess.BRANCH,
    is_rural: bool = False,
) -> Region:
    """A region under ``parent`` (a root when None), with its path set."""
    level = RegionLevel.CITY if parent is None else RegionLevel(parent.level + 1)
    return add_region(
        name=name,
        parent=parent,
        level=level,
        division_code=code,
        branch_access=access,
        is_rural=is_rural,
    )


def make_branch(name: str, region: Region, address: str = "") -> Branch:
    """An active branch serving ``region``."""
    branch = Branch(
        name=name, region=region, address=address or f"{name}地址", phone="0532-80000000"
    )
    db.session.add(branch)
    db.session.flush()
    return branch


def make_user(
    username: str,
    role: Role,
    password: str,
    region: Region | None = None,
    branch: Branch | None = None,
    display_name: str = "",
) -> User:
    """An active user; the password is hashed with the test profile."""
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        region=region,
        branch=branch,
        password_hash=hash_password(password),
        is_active=True,
        session_version=1,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_partner(
    name: str, branch: Branch, region: Region, kind: PartnerKind = PartnerKind.SCHOOL
) -> Partner:
    """A partner of ``branch`` sitting in ``region``."""
    partner = Partner(name=name, kind=kind, branch=branch, region=region, contact_name="王老师")
    db.session.add(partner)
    db.session.flush()
    return partner


def make_event(
    title: str,
    branch: Branch,
    region: Region,
    partner: Partner | None = None,
    starts_at: datetime | None = None,
    kind: str = "community",
    status: EventStatus = EventStatus.PLANNED,
    groups: tuple[str, ...] = ("seniors",),
    topics: tuple[str, ...] = ("fraud_telecom",),
) -> Event:
    """An event with target groups and topics picked by code."""
    start = starts_at or datetime(2026, 12, 10, 9, 30) + timedelta(days=next(_counter))
    event = Event(
        title=title,
        kind=kind,
        status=status,
        branch=branch,
        region=region,
        partner=partner,
        venue="活动室",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        expected_attendance=40,
    )
    event.target_groups = list(
        db.session.execute(select(TargetGroup).where(TargetGroup.code.in_(groups))).scalars()
    )
    event.topics = list(db.session.execute(select(Topic).where(Topic.code.in_(topics))).scalars())
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class World:
    """Ids and names of the default test data; objects themselves stay in their session."""

    city_id: int
    district_a_id: int
    district_b_id: int
    community_a_id: int
    community_b_id: int
    branch_a_id: int
    branch_b_id: int
    partner_a_id: int
    partner_b_id: int
    event_a_id: int
    event_b_id: int
    admin_id: int
    head_a_id: int
    staff_a_id: int
    staff_b_id: int


def build_world(password: str) -> World:
    """City → districts A and B → a street each → a community each; one branch per district."""
    city = make_region("青岛市", code="370200")
    district_a = make_region("市南区", city, code="370202")
    district_b = make_region("崂山区", city, code="370212")
    street_a = make_region("八大湖街道", district_a, code="370202001")
    street_b = make_region("王哥庄街道", district_b, code="370212002", is_rural=True)
    community_a = make_region("湛山社区", street_a, code="370202001001")
    community_b = make_region(
        "港东村", street_b, code="370212002001", access=BranchAccess.NONE, is_rural=True
    )
    branch_a = make_branch("市南支行", street_a)
    branch_b = make_branch("崂山支行", street_b)
    admin = make_user("admin", Role.ADMIN, password, display_name="系统管理员")
    head_a = make_user("head_a", Role.HEAD, password, region=district_a, display_name="市南负责人")
    staff_a = make_user("staff_a", Role.STAFF, password, branch=branch_a, display_name="张宣教")
    staff_b = make_user("staff_b", Role.STAFF, password, branch=branch_b, display_name="李宣教")
    partner_a = make_partner(
        "湛山社区居委会", branch_a, community_a, PartnerKind.RESIDENTS_COMMITTEE
    )
    partner_b = make_partner("港东村委会", branch_b, community_b, PartnerKind.VILLAGE_COMMITTEE)
    event_a = make_event("湛山社区防诈讲座", branch_a, community_a, partner_a)
    event_b = make_event("港东村金融知识进乡村", branch_b, community_b, partner_b, kind="village")
    event_a.staff = [staff_a]
    event_b.staff = [staff_b]
    db.session.commit()
    return World(
        city_id=city.id,
        district_a_id=district_a.id,
        district_b_id=district_b.id,
        community_a_id=community_a.id,
        community_b_id=community_b.id,
        branch_a_id=branch_a.id,
        branch_b_id=branch_b.id,
        partner_a_id=partner_a.id,
        partner_b_id=partner_b.id,
        event_a_id=event_a.id,
        event_b_id=event_b.id,
        admin_id=admin.id,
        head_a_id=head_a.id,
        staff_a_id=staff_a.id,
        staff_b_id=staff_b.id,
    )


def add_event(
    app,
    world: World,
    which: str = "a",
    title: str = "宣讲",
    *,
    partner: bool = True,
    venue: str | None = None,
    ends_at: datetime | None = None,
    staff_ids: tuple[int, ...] | list[int] = (),
    **fields,
) -> int:
    """A committed event of the world's branch ``which`` ("a" or "b") in its community, with
    its partner unless ``partner`` is False; other keywords go to ``make_event``."""
    with app.app_context():
        event = make_event(
            title,
            db.session.get(Branch, getattr(world, f"branch_{which}_id")),
            db.session.get(Region, getattr(world, f"community_{which}_id")),
            db.session.get(Partner, getattr(world, f"partner_{which}_id")) if partner else None,
            **fields,
        )
        if venue is not None:
            event.venue = venue
        if ends_at is not None:
            event.ends_at = ends_at
        event.staff = [db.session.get(User, user_id) for user_id in staff_ids]
        db.session.commit()
        return event.id


def set_status(app, event_id: int, *statuses: EventStatus, reason: str = "") -> None:
    """Move a committed event through ``statuses`` as the administrator, by the lifecycle's
    own change_status (opens its own context and commits)."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        for status in statuses:
            change_status(event, status, admin, reason=reason)
        db.session.commit()


def confirm(app, event_id: int) -> None:
    """Confirm a committed event as the administrator."""
    set_status(app, event_id, EventStatus.CONFIRMED)


def jpeg(size=(800, 600), color=(200, 30, 30), **options) -> bytes:
    """A JPEG of one colour; ``options`` go to Pillow's JPEG writer."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def jpeg_with_exif() -> bytes:
    """300×200, left half red, right half blue; EXIF says "rotate 90° clockwise" and has GPS."""
    from PIL import ExifTags, Image, ImageCms

    image = Image.new("RGB", (300, 200), (255, 0, 0))
    image.paste((0, 0, 255), (150, 0, 300, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (36.0, 4.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (120.0, 22.0, 5.0),
    }
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        exif=exif,
        comment=b"secret-comment",
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        quality=95,
    )
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that only declares its size: enough for a decompression bomb check."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def blank_png(width: int, height: int) -> bytes:
    """A real, complete black-and-white PNG of any size: a few KB for tens of megapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then one bit per pixel
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def make_photo(
    event: Event,
    upload_folder: str,
    caption: str = "",
    size: tuple[int, int] = (640, 480),
    color: tuple[int, int, int] = (40, 120, 200),
    uploaded_by: User | None = None,
):
    """A photo of ``event`` with a real JPEG and thumbnail under ``upload_folder``."""
    from outreach_app.event_reports.photos import photo_folder, process_photo, write_photo_files
    from outreach_app.events.models import EventPhoto

    processed = process_photo(jpeg(size, color))
    photo = EventPhoto(
        event_id=event.id,
        file_name=write_photo_files(photo_folder(upload_folder), processed),
        width=processed.width,
        height=processed.height,
        byte_size=len(processed.jpeg),
        caption=caption,
        uploaded_by_id=uploaded_by.id if uploaded_by is not None else None,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def sheet_pdf(pages: int = 2, size: tuple[float, float] = (595, 842), **options) -> bytes:
    """A PDF drawn with reportlab: ``pages`` pages of a sign-in table, each page numbered, with
    metadata that must not survive (``options`` go to the canvas, ``encrypt="pw"`` for one)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=size, **options)
    pdf.setAuthor("SecretAuthor")
    pdf.setTitle("secret-title")
    for number in range(1, pages + 1):
        pdf.setFillColorRGB(0.1, 0.2, 0.8)
        pdf.rect(40, size[1] - 140, size[0] - 80, 80, fill=1, stroke=0)
        pdf.setFillColorRGB(0, 0, 0)
        for row in range(12):
            y = size[1] - 180 - row * 40
            pdf.line(40, y, size[0] - 40, y)
        pdf.drawString(50, 50, f"page {number}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_sheet(event: Event, upload_folder: str, pages: int = 1, uploaded_by: User | None = None):
    """A sign-in sheet of ``event`` with ``pages`` real page JPEGs under ``upload_folder``."""
    from outreach_app.event_reports.photos import process_photo, write_photo_files
    from outreach_app.event_reports.sheets import sheet_folder
    from outreach_app.events.models import SignInSheet, SignInSheetPage

    sheet = SignInSheet(
        event_id=event.id,
        sent_as="pdf" if pages > 1 else "photo",
        uploaded_by_id=uploaded_by.id if uploaded_by is not None else None,
    )
    for number in range(1, pages + 1):
        processed = process_photo(jpeg((600, 800), (250, 250, 240)))
        sheet.pages.append(
            SignInSheetPage(
                number=number,
                file_name=write_photo_files(sheet_folder(upload_folder), processed),
                width=processed.width,
                height=processed.height,
                byte_size=len(processed.jpeg),
            )
        )
    db.session.add(sheet)
    db.session.flush()
    return sheet


def make_print_run(
    event: Event,
    code: str = "pension-scams",
    language: str = "zh_CN",
    copies: int = 3,
    layout: str = "a4",
    user: User | None = None,
):
    """A print run of a shipped handout for ``event`` (flushed, not committed)."""
    from outreach_app.handouts.services import create_print_run, handout_by_code

    handout = handout_by_code(code, language)
    assert handout is not None, f"no shipped handout {code} {language}"
    return create_print_run(user, event, handout, copies, layout)


def make_problem(
    event: Event, owner: User, description: str = "客户询问手续费。", **fields
) -> Problem:
    """An open fees problem raised at ``event`` today, owned by ``owner`` and due in 5 days."""
    today = date.today()
    problem = Problem(
        event=event,
        category=fields.pop("category", ProblemCategory.FEES),
        description=description,
        owner=owner,
        raised_on=fields.pop("raised_on", today),
        due_on=fields.pop("due_on", today + timedelta(days=5)),
        created_by=owner,
        **fields,
    )
    db.session.add(problem)
    db.session.flush()
    return problem
