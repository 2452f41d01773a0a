"""Reading an uploaded photo safely, re-encoding it as a clean JPEG, and keeping it on disk.

Nothing of the uploaded file is kept: the image is decoded by Pillow (whatever its name or
content type said), turned upright, stripped of every piece of metadata (EXIF, GPS, XMP, ICC,
comments), converted to RGB, scaled down and written as a new JPEG with a random name.
"""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from outreach_app.core.validation import ServiceError

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 8 * 1024 * 1024
# Said by the upload form, by the view refusing an oversized request and by read_upload alike.
PHOTO_TOO_LARGE = _l("The photo is too large: send at most 8 MB.")
MAX_PHOTO_SIDE = 12_000
# 50 megapixels (8000 × 6000 is 48) is more than phones and nearly all cameras take, and decodes
# to about 150 MB in RGB; Pillow's own limit (89 megapixels) lets through half a gigabyte.
MAX_PHOTO_PIXELS = 50_000_000
PHOTO_LONG_SIDE = 2000
THUMB_LONG_SIDE = 400
JPEG_QUALITY = 85
# Formats a camera or phone produces; nothing that needs an outside program (EPS) or is rare.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
PHOTO_SUBFOLDER = "event-photos"
# ``secrets.token_urlsafe(24)`` gives 32 URL-safe characters.
FILE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{32}\.jpg$")

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


# The form field a refused upload's message belongs beside.
PHOTO_FIELD = "photo"


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store: the JPEG, its thumbnail and the JPEG's size in pixels."""

    jpeg: bytes
    thumb: bytes
    width: int
    height: int


def read_upload(
    stream: BinaryIO,
    max_bytes: int = MAX_PHOTO_BYTES,
    *,
    field: str = PHOTO_FIELD,
    too_large: Any = PHOTO_TOO_LARGE,
    empty: Any = None,
) -> bytes:
    """At most ``max_bytes`` of ``stream``; ServiceError beside ``field`` if it is empty (saying
    ``empty``) or longer (saying ``too_large``)."""
    data = stream.read(max_bytes + 1)
    if not data:
        message = _("The file is empty. Choose a photo.") if empty is None else str(empty)
        raise ServiceError(message, field=field)
    if len(data) > max_bytes:
        raise ServiceError(str(too_large), field=field)
    return data


def process_photo(data: bytes) -> ProcessedPhoto:
    """Decode ``data`` as an image and re-encode it; ServiceError for anything but a sound image."""
    return reencode(_decode(data))


def reencode(image: Image.Image) -> ProcessedPhoto:
    """A decoded image as a clean, scaled-down JPEG and its thumbnail (also for the pages of a
    PDF, rendered to images); ServiceError if its colours cannot be converted."""
    try:
        image = _to_rgb(image)
        image.thumbnail(
            (PHOTO_LONG_SIDE, PHOTO_LONG_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
        thumb = image.copy()
        thumb.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE), Image.Resampling.LANCZOS)
        return ProcessedPhoto(
            jpeg=_jpeg_bytes(image),
            thumb=_jpeg_bytes(thumb),
            width=image.width,
            height=image.height,
        )
    except Exception as error:  # an exotic image mode Pillow cannot convert
        raise ServiceError(_unreadable(), field=PHOTO_FIELD) from error


def _unreadable() -> str:
    return _("The photo could not be read; the file may be damaged. Try another file.")


def _decode(data: bytes) -> Image.Image:
    """The upright, fully decoded image, or ServiceError.

    The size is read from the header and checked against ``MAX_PHOTO_PIXELS`` before anything
    is decoded. Pillow warns about images above ``Image.MAX_IMAGE_PIXELS`` while opening them;
    the warning is made an error here, so a decompression bomb is refused however warnings are
    configured.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            width, height = image.size
            if width > MAX_PHOTO_SIDE or height > MAX_PHOTO_SIDE:
                raise ServiceError(
                    _("The photo is too large: at most 12000 × 12000 pixels."), field=PHOTO_FIELD
                )
            if width * height > MAX_PHOTO_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            # JPEG can decode at 1/2, 1/4 or 1/8 scale: far less memory for big camera files.
            scale = PHOTO_LONG_SIDE / max(width, height)
            if scale < 1:
                image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ServiceError(
            _(
                "The photo has too many pixels: at most %(megapixels)d megapixels,"
                " for example 8000 × 6000.",
                megapixels=MAX_PHOTO_PIXELS // 1_000_000,
            ),
            field=PHOTO_FIELD,
        ) from error
    except UnidentifiedImageError as error:
        raise ServiceError(
            _("This file is not a photo. Send a JPEG, PNG, WebP or GIF image."),
            field=PHOTO_FIELD,
        ) from error
    except Exception as error:  # Pillow raises many kinds of error for broken files.
        raise ServiceError(_unreadable(), field=PHOTO_FIELD) from error
    return upright


def _to_rgb(image: Image.Image) -> Image.Image:
    """``image`` in sRGB colours on a white background (transparency flattened)."""
    icc_profile = image.info.get("icc_profile")
    if icc_profile and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # a broken profile: keep the colours as they are
        if converted is not None:
            return converted
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I") or image.mode == "F":
        # 16- and 32-bit greyscale: scale to 8 bits first, or it turns white.
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _jpeg_bytes(image: Image.Image) -> bytes:
    """``image`` as a baseline JPEG that carries no metadata at all."""
    clean = image.copy()
    clean.info = {}  # Pillow would otherwise write the original's comment into the JPEG
    buffer = io.BytesIO()
    clean.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


# --- files -------------------------------------------------------------------------------------


def upload_root() -> Path:
    """The app's ``UPLOAD_FOLDER`` (default: the instance folder's ``uploads``); a relative one
    is taken inside the instance folder. Event photos and sign-in sheets have folders in it."""
    instance = Path(current_app.instance_path)
    configured = current_app.config.get("UPLOAD_FOLDER") or instance / "uploads"
    return instance / configured


def photo_folder(upload_folder: str | os.PathLike[str]) -> Path:
    """The folder that holds event photos inside the upload folder."""
    return Path(upload_folder) / PHOTO_SUBFOLDER


def thumb_name(file_name: str) -> str:
    """The thumbnail's file name beside ``file_name``: ``<name>.thumb.jpg``."""
    return file_name.removesuffix(".jpg") + ".thumb.jpg"


def photo_path(folder: Path, file_name: str, thumb: bool = False) -> Path:
    """Where a stored photo (or its thumbnail) is; ValueError for a name we did not make."""
    if not FILE_NAME_RE.fullmatch(file_name):
        raise ValueError(f"not a stored photo name: {file_name!r}")
    return folder / (thumb_name(file_name) if thumb else file_name)


def write_photo_files(folder: Path, photo: ProcessedPhoto) -> str:
    """Write the JPEG and its thumbnail under a new random name; returns the JPEG's name."""
    folder.mkdir(parents=True, exist_ok=True)
    file_name = secrets.token_urlsafe(24) + ".jpg"
    written: list[Path] = []
    try:
        for thumb, content in ((True, photo.thumb), (False, photo.jpeg)):
            path = photo_path(folder, file_name, thumb=thumb)
            _write_atomically(path, content)
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return file_name


def remove_photo_files(folder: Path, file_name: str) -> None:
    """Delete a photo and its thumbnail; a file that is gone already is no error."""
    for thumb in (False, True):
        try:
            photo_path(folder, file_name, thumb=thumb).unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove photo file %s", file_name)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file in the same folder, then rename: never a half-written file."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(content)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
